import {defineConfig} from "vitest/config";

export default defineConfig({
  // The site's components import npm packages as Framework spells them (npm:NAME); tests read them from node_modules.
  resolve: {alias: [{find: /^npm:(.*)$/, replacement: "$1"}]},
  test: {
    include: ["test/**/*.test.ts"],
    // Fails the run when a test wrote the project's dist/, data/ or report caches.
    globalSetup: ["test/global-setup.ts"],
    testTimeout: 120_000,
    hookTimeout: 300_000,
    // Site and CLI tests share data/ and dist/ builds; running files in parallel on 2 cores only adds noise.
    fileParallelism: false
  }
});
