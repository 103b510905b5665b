import { existsSync } from 'node:fs';
import { execFileSync } from 'node:child_process';

/** Workers run the built bundle (Node 20 cannot load a .ts worker): build once if it is missing. */
export default function setup(): void {
  if (!existsSync('dist/workers/actor.js') || process.env.MEMRACE_REBUILD) {
    execFileSync('npx', ['tsup'], { stdio: 'inherit' });
  }
}
