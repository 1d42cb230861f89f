import { parseSandboxArgs, SandboxArgsError } from './cli-options';
import { SANDBOX_CLIENT, startSandbox } from './server';

/** Standalone runner: `npx tsx test/sandbox/run.ts --port 0 --fault http5xx=0.05`. Stops on SIGINT/SIGTERM. */

try {
  const sandbox = await startSandbox(parseSandboxArgs(process.argv.slice(2)));
  console.log(`Genesys sandbox listening on ${sandbox.url}`);
  console.log(`  gateway: { host: '127.0.0.1', protocol: 'http', port: ${sandbox.port} }`);
  console.log(`  client id: ${SANDBOX_CLIENT.clientId} (secret: SANDBOX_CLIENT in test/sandbox/server.ts)`);
  console.log(`  ${sandbox.dataset.conversations.length} conversations, ${sandbox.dataset.recordings.length} recordings, anchor ${sandbox.dataset.anchor}`);
  const stop = async (): Promise<void> => {
    await sandbox.close();
    process.exit(0);
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
} catch (error) {
  console.error(error instanceof SandboxArgsError ? error.message : error);
  process.exitCode = 2;
}
