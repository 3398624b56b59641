import {mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync} from "node:fs";
import {tmpdir} from "node:os";
import {join} from "node:path";
import {afterAll, describe, expect, it} from "vitest";
import {projectState, stateChanges, watchedPaths} from "./helpers/project-state.ts";
import {ROOT} from "./helpers/shared.ts";

describe("the project-state check around npm test (test/global-setup.ts)", () => {
  const dir = mkdtempSync(join(tmpdir(), "vmmbench-state-"));
  afterAll(() => rmSync(dir, {recursive: true, force: true}));

  it("watches the report, the data and the report caches", () => {
    expect(watchedPaths()).toEqual(expect.arrayContaining([join(ROOT, "dist"), join(ROOT, "data"), join(ROOT, "src", ".observablehq", "cache")]));
    expect(watchedPaths().some((path) => path.endsWith("/report"))).toBe(true);
  });

  it("notices a changed byte, an added or removed file and a retargeted link", () => {
    mkdirSync(join(dir, "dist"));
    writeFileSync(join(dir, "dist", "index.html"), "<p>n=15</p>");
    writeFileSync(join(dir, "dist", "old.json"), "{}");
    symlinkSync("a", join(dir, "dist", "link"));
    const before = projectState([join(dir, "dist")]);
    expect(stateChanges(before, projectState([join(dir, "dist")]))).toEqual([]);
    writeFileSync(join(dir, "dist", "index.html"), "<p>n=3!</p>");
    writeFileSync(join(dir, "dist", "new.json"), "{}");
    rmSync(join(dir, "dist", "old.json"));
    rmSync(join(dir, "dist", "link"));
    symlinkSync("b", join(dir, "dist", "link"));
    const changes = stateChanges(before, projectState([join(dir, "dist")]));
    expect(changes.map((c) => c.replace(/ .*\//, " "))).toEqual(["changed index.html", "changed link", "added new.json", "removed old.json"]);
  });
});
