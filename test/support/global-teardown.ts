import fs from 'node:fs';

export default async function globalTeardown(): Promise<void> {
  const services = globalThis.__services;
  if (!services) return;
  await services.temporal?.stop();
  await services.postgres?.stop();
  if (services.tmpDir) fs.rmSync(services.tmpDir, { recursive: true, force: true });
}
