import { once } from 'node:events';

/** Writes one line and waits for the stream to drain, so large exports never buffer in memory. */
export async function writeLine(stream: NodeJS.WritableStream, line: string): Promise<void> {
  if (!stream.write(`${line}\n`)) await once(stream, 'drain');
}
