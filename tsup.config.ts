import { defineConfig } from 'tsup';

// One bundle per entry, no shared chunks: a worker file then sits at a fixed path
// (dist/workers/*.js) that the runtime finds from any entry.
export default defineConfig({
  entry: {
    'cli/main': 'src/cli/main.ts',
    'workers/actor': 'workers/actor.ts',
    'workers/live': 'workers/live.ts',
    index: 'src/index.ts',
    vitest: 'src/vitest.ts',
  },
  format: ['esm'],
  target: 'node20',
  platform: 'node',
  splitting: false,
  sourcemap: true,
  clean: true,
  dts: false,
  external: ['piscina'],
});
