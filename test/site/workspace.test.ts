import {mkdirSync, mkdtempSync, rmSync, writeFileSync} from "node:fs";
import {tmpdir} from "node:os";
import {join} from "node:path";
import {afterAll, describe, expect, it} from "vitest";
import {SiteBuildError} from "../../data-loaders/site/errors.ts";
import {refuseForeignOutput} from "../../data-loaders/site/workspace.ts";

describe("the folder a site build replaces", () => {
  const dir = mkdtempSync(join(tmpdir(), "vmmbench-workspace-"));
  afterAll(() => rmSync(dir, {recursive: true, force: true}));

  it("may be absent, empty or a report built before", () => {
    expect(() => refuseForeignOutput(join(dir, "absent"))).not.toThrow();
    mkdirSync(join(dir, "empty"));
    expect(() => refuseForeignOutput(join(dir, "empty"))).not.toThrow();
    mkdirSync(join(dir, "report", "_observablehq"), {recursive: true});
    writeFileSync(join(dir, "report", "index.html"), "<p>an older report</p>");
    expect(() => refuseForeignOutput(join(dir, "report"))).not.toThrow();
  });

  it("is refused, in one line, when it holds anything else", () => {
    mkdirSync(join(dir, "home"));
    writeFileSync(join(dir, "home", "thesis.tex"), "\\chapter{}");
    const error = (() => {
      try {
        refuseForeignOutput(join(dir, "home"));
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(SiteBuildError);
    expect((error as Error).message).toBe(`${join(dir, "home")} is not empty and holds no report built before (no _observablehq/): refusing to replace it; give an empty or new folder`);
  });
});
