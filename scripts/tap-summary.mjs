// Runs tap with the raw TAP reporter and closes with the plain line "N passed, N failed"
// that CI reads, because tap itself only prints a `# { total, pass, fail }` summary.
import { spawn } from 'node:child_process';

const args = ['-R', 'tap', ...process.argv.slice(2)];
const child = spawn('node_modules/.bin/tap', args, { stdio: ['ignore', 'pipe', 'inherit'] });
let tail = '';
child.stdout.on('data', (chunk) => {
  process.stdout.write(chunk);
  tail = (tail + chunk.toString('utf8')).slice(-8192);
});
child.on('close', (code) => {
  const lines = tail.split('\n').filter((l) => /^# \{ (total: [^}]*) \}$/.test(l.trim()));
  const last = lines.at(-1);
  const counts = { pass: 0, fail: 0, skip: 0, todo: 0 };
  if (last) {
    for (const part of last.trim().slice(3, -2).split(', ')) {
      const [key, value] = part.split(': ');
      if (key in counts) counts[key] = Number(value);
    }
  } else {
    counts.fail = 1;
    console.log('# tap printed no summary line: counting the run as one failure');
  }
  if (code !== 0 && counts.fail === 0) {
    counts.fail = 1;
    console.log(`# tap exited with code ${code} although no assertion failed`);
  }
  const skipped = counts.skip + counts.todo;
  console.log(
    `${counts.pass} passed, ${counts.fail} failed` + (skipped ? `, ${skipped} skipped` : ''),
  );
  process.exit(code === 0 && counts.fail === 0 ? 0 : 1);
});
