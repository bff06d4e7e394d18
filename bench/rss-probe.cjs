// Preloaded with `node --require`: writes the process's peak RSS (kB) to $RSS_PROBE_FILE at exit,
// so the benchmark can measure a child without /usr/bin/time.
const { writeFileSync } = require('node:fs');
process.on('exit', () => {
  if (process.env.RSS_PROBE_FILE) writeFileSync(process.env.RSS_PROBE_FILE, String(process.resourceUsage().maxRSS));
});
