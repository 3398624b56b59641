/**
 * Around the whole test run: the user's report, data and report caches are byte-identical at the
 * end (test/helpers/project-state.ts says which paths). A test that writes them fails `npm test`.
 */
import {projectState, stateChanges} from "./helpers/project-state.ts";

export default function setup(): () => void {
  const before = projectState();
  return () => {
    const changes = stateChanges(before, projectState());
    if (changes.length > 0) {
      throw new Error(`the tests changed the project's report, data or caches (they must build and write into temporary folders): ${changes.slice(0, 10).join(", ")}${changes.length > 10 ? ` and ${changes.length - 10} more` : ""}`);
    }
  };
}
