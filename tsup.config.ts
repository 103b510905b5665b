import { defineConfig } from 'tsup';

// The library's entries: the package root and one subpath per subsystem. package.json's
// `exports` maps `memrace/<name>` to dist/<name>/index.js and its declarations.
export const LIBRARY = ['dpdk', 'kernel', 'paging', 'ruby', 'lab'] as const;

// Every entry sits at a fixed path (the runtime finds dist/workers/*.js from any of them);
// code they share goes to chunks, so a class is one class whichever subpath imported it.
export default defineConfig({
  entry: {
    'cli/main': 'src/cli/main.ts',
    'workers/actor': 'workers/actor.ts',
    'workers/live': 'workers/live.ts',
    index: 'src/index.ts',
    ...Object.fromEntries(LIBRARY.map((name) => [`${name}/index`, `src/${name}/index.ts`])),
    vitest: 'src/vitest.ts',
  },
  format: ['esm'],
  target: 'node20',
  platform: 'node',
  splitting: true,
  sourcemap: true,
  // dist/types: declarations, emitted incrementally by tsc (tsconfig.build.json) after this
  // build; its .tsbuildinfo lives there too, so removing dist/ starts them afresh.
  clean: ['!types/**'],
  dts: false,
  external: ['piscina'],
});
