// Loaded with `node --import` into a CLI child by runCli({ measurePeakRss: true }): on exit, writes
// the process's peak resident set size (kilobytes, getrusage's ru_maxrss) to the file it is given.
import { writeFileSync } from 'node:fs';

process.on('exit', () => writeFileSync(process.env.CUSTODY_TEST_PEAK_RSS_FILE, String(process.resourceUsage().maxRSS)));
