// Child process groups we started (anvil, Lodestar), killed if our process exits without stopping
// them (a crashed test, a forgotten stop()), so no node outlives its owner. Each launcher starts its
// child `detached` (its own group, pgid = pid) and registers it here until it exits.
const live = new Set<number>();
let hooked = false;

export function trackGroup(pgid: number): void {
  if (!hooked) {
    hooked = true;
    process.once('exit', () => {
      for (const g of live) {
        try {
          process.kill(-g, 'SIGKILL');
        } catch {
          /* already gone */
        }
      }
    });
  }
  live.add(pgid);
}

export function untrackGroup(pgid: number): void {
  live.delete(pgid);
}
