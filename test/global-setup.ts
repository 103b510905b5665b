import { execFileSync } from 'node:child_process';

/**
 * Workers run the built bundle (Node 20 cannot load a .ts worker), so every test run
 * builds it first: a stale dist/ would test yesterday's code on the worker side.
 */
export default function setup(): void {
  execFileSync('npx', ['tsup', '--silent'], { stdio: 'inherit' });
}
