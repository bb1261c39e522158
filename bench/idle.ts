/**
 * A reference process for the footprint table: an idle Node process, optionally after loading
 * Ink (and with it React and Yoga), so readers can see which part of leaktop's RSS and CPU is
 * Node's own and which part the TUI stack costs before it renders anything.
 *
 *   node dist/bench/idle.js [--ink]
 */
if (process.argv.includes('--ink')) await import('ink');
setInterval(() => undefined, 1000);
process.stdout.write('ready\n');
