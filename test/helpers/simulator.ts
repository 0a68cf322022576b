import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { get } from 'node:http';
import { createInterface } from 'node:readline';
import type { SimConfig, SimRecord } from '../../src-main/processors/simulator';

/** A simulator running as its own process (`paydesk simulator`), as the app would meet it. */
export type SimProcess = {
  url: string;
  port: number;
  child: ChildProcess;
  configFile: string;
  setConfig: (cfg: SimConfig) => void;
  charges: () => Promise<SimRecord[]>;
  stop: () => Promise<void>;
};

/** Starts `paydesk simulator --port 0 --config FILE` from source and waits for its address. */
export async function startSimProcess(configFile: string, cfg: SimConfig = {}): Promise<SimProcess> {
  writeFileSync(configFile, JSON.stringify(cfg));
  const child = spawn(
    process.execPath,
    ['bin/paydesk.cjs', '--json', 'simulator', '--port', '0', '--config', configFile],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, PAYDESK_QUIET: '1' },
    },
  );
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('simulator did not start')), 30_000);
    const lines = createInterface({ input: child.stdout });
    lines.once('line', (line) => {
      clearTimeout(timer);
      resolve((JSON.parse(line) as { port: number }).port);
    });
    child.once('exit', (code) => reject(new Error(`simulator exited with ${code}`)));
  });
  const url = `http://127.0.0.1:${port}`;
  return {
    url,
    port,
    child,
    configFile,
    setConfig: (c) => writeFileSync(configFile, JSON.stringify(c)),
    // A fresh connection each time: a test that blocks its event loop (spawnSync) would otherwise reuse a
    // keep-alive socket the simulator has already closed.
    charges: () =>
      new Promise<SimRecord[]>((resolve, reject) => {
        get(`${url}/charges`, { agent: false }, (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (c: string) => (text += c));
          res.on('end', () => resolve((JSON.parse(text) as { records: SimRecord[] }).records));
        }).on('error', reject);
      }),
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}
