import { profileNameSchema } from '../services/config/profile';
import { toErrorPayload, ValidationError } from '../services/errors';
import { SecretRedactor } from '../services/logging/redactor';
import type { CommandContext } from './context';
import { createOutput } from './output';

const help = `custody — find, retrieve, play and package trading-desk call recordings, every access audited in WORM.

Usage: custody <command> [options] [--profile NAME] [--json]

Commands:
  sandbox [--port N] [--seed N] [--token-ttl S] [--rate-limit N] [--recordings N] [--fault NAME=RATE]
                        run the embedded Genesys sandbox and point the profile at it
  worm start|stop|status
                        manage the local WORM store (radosgw with S3 Object Lock)
  worm connect --endpoint URL --access-key ID --audit-bucket NAME --archive-bucket NAME [--region R] [--mode M] [--retention-days N] [--force]
                        join a firm's WORM store (secret access key from stdin or a prompt): this profile's own new audit log
  worm connect --from-profile OTHER [--force]
                        connect this profile to OTHER's store (settings and keychain secret), with its own new log
  login --client-id ID (--region NAME | --gateway URL) [--signin-client-id ID] [--redirect-port N]
                        store a real org's OAuth client (secret from stdin or a prompt) in the OS keychain
  signin [--no-browser]   sign an officer in through Genesys (PKCE; the authorize URL is printed on one line of stdout)
  whoami                  the signed-in officer: Genesys user id, name, email, the permissions Custody checks
  signout                 revoke the officer's token at Genesys and remove it from the keychain
  search [--trading-id T] [--client-account A] [--agent N] [--queue Q] [--from ISO] [--to ISO] [--text W] [--said PHRASE] [--case REF]
                        sync the local index if needed and list matching recordings
  fetch --conversation ID --case REF [--out DIR]
                        audit, then download a conversation's recordings, verified by SHA-256
  transcript --conversation ID --case REF
                        audit, then show each recording's transcript from Genesys speech analytics
  retrieve (--trading-ids FILE | --queue Q --from ISO --to ISO) --case REF --out DIR [--concurrency N] [--api A]
                        bulk job: audit and download every matching recording, resumable, with a manifest
  jobs list | show ID | resume ID | pause ID | cancel ID
                        bulk jobs in this profile (also those run by another process)
  ui [--demo] [--headless]
                        open the app (Electron, or the browser shell where Electron is absent)
  config
                        show the profile
  config --siem (syslog+tcp://HOST:PORT | syslog+tls://HOST:PORT | https://URL | off) [--siem-ca PEM_FILE] [--siem-pen N] [--siem-token]
                        forward every audit event to the SIEM (RFC 5424 over TCP/TLS, or JSON lines; token from stdin, to the keychain)
  siem status | drain [--budget-seconds N]
                        how many audit events wait for the SIEM; send them now (exit 2 while some stay queued)
  service report-failure --unit NAME
                        record an unattended job's failure in the audit log as the service account (systemd OnFailure=)
  audit verify [--from ISO] [--to ISO] [--key PEM]
                        recompute the audit log's chain, Merkle tree and signed checkpoints from the bucket alone
  audit verify --min-cosignatures N
                        also require N witness cosignatures per checkpoint (default: the profile's audit.witness.minCosignatures)
  audit witness         cosign the other workstations' newest checkpoints that extend what this one cosigned before;
                        alert on a log that rolled back, forked or changed key (exit 2); also runs after every sync
  audit show [--conversation ID | --trading-id T | --operator NAME | --case REF] [--alerts]
                        who accessed what, when, from where and why (with the alerts raised)
  audit show ... [--workstation HOST|LOG_ID]
                        every workstation's log in the audit bucket, each entry naming its log, each log's integrity
  audit verify --all [--key PEM] [--json]
                        verify every log in the audit bucket, per log (exit 2 when any fails, naming its first bad event)
  audit key | checkpoint | status
                        print and publish the signing key; write a checkpoint now; integrity status
  pack build (--trading-id T ... | --conversations FILE | --case REF) --case REF --out PATH [--zip] [--organization NAME] [--excerpts | --excerpt ID ...]
                        audit the export, then write a signed, self-verifying BagIt evidence pack (--excerpts: annotated ranges as WAVs too)
  pack verify PATH [--trusted-key KEYID|PEM_FILE ...]
                        verify a pack (directory or zip) offline: manifests, signature, audit proofs, audio
  reconstruct --trade TRADE_ID --case REF --out PATH [--zip] [--window-before M] [--window-after M]
                        audit the export, then write a trade's signed evidence pack: the trade, its trader's and client's calls, a timeline
  review PACK --reviewer NAME [--trusted-key KEYID|PEM_FILE ...] [--headless] [--screenshot PATH]
                        open a pack in the sealed regulator review (read-only, offline, watermarked, journaled)
  review sync-journal   write the local review journal to the WORM audit log, with a reconciliation report
  archive [--since ISO] [--until ISO]
                        copy recordings into the WORM archive bucket (nightly; resumable, idempotent)
  archive --via export --from ISO --to ISO [--integration-id ID]
                        Genesys's recording export writes them into the archive bucket; Custody verifies, locks and
                        indexes them, and archives through the API what the export did not deliver
  catalog publish | sync | stats
                        the firm's shared catalog (Parquet in the archive bucket): publish the index (also after each archive run), sync it into this one, desk volumes and gaps
  hold place --trading-id T --case REF --reason TEXT | release (--hold ID | --trading-id T) (--reason TEXT | --approve | --complete) | list [--all]
                        legal holds: S3 legal hold + Genesys deletion protection; a release needs a second signed-in officer
  annotate --recording ID --from OFFSET --to OFFSET --note TEXT --case REF
                        mark a range of a recording with a note (audited first); OFFSET: 1:23, 1:02:03.5 or milliseconds
  annotations --recording ID [--history]
                        a recording's annotations (with --history: every version, deleted ones too)
  approvals list [--all] | show ID | approve ID | request (export --case REF | restricted-play --conversation ID) --reason TEXT
                        four-eyes requests and approvals between signed-in officers, kept in the WORM audit bucket
  retention sweep [--dry-run]
                        delete archived recordings past their retention, except those under hold
  posture               check buckets and Genesys against MiFID II expectations, with evidence
  trades import FILE [--format csv|fix] [--mapping FILE] [--case REF]
                        load a trade blotter (CSV or FIX drop-copy log) into the index, audited; a re-import updates
  trades match | show TRADE_ID | link|unlink TRADE_ID CONVERSATION_ID --case REF
                        score each voice trade's calls (ranked, with reasons); an officer confirms or rejects a link (audited)
  trades gaps [--from ISO] [--to ISO]
                        voice trades with no call and trading-desk calls whose trading ID is on no trade (exit 2 when any)

Exit codes: 0 success; 1 failure (nothing was written; retrieve/jobs resume: the job could not run to its end, resumable);
2 finished with failures (retrieve/jobs resume: recordings failed or archived, or requested trading IDs unusable, listed;
trades import: blotter rows rejected, listed with their line, the rest loaded;
audit verify/audit status: the log is not intact; pack verify: the pack does not verify; review: the pack failed
verification; review sync-journal: entries not written; archive, hold, retention, posture: something failed or was left
for the next run); 3 "worm status": not running; 4 pack verify/review: the pack is intact, but signed by a key that is not
trusted (not this installation's, not --trusted-key, not published in the firm's audit bucket).`;

type Command = (ctx: CommandContext, argv: ReadonlyArray<string>) => Promise<number>;
/** Each command loads its modules only when it runs: `custody pack verify` never loads the Genesys SDK or Chromium's driver. */
const commands: Record<string, () => Promise<Command>> = {
  sandbox: async () => (await import('./commands/sandbox')).sandboxCommand,
  worm: async () => (await import('./commands/worm')).wormCommand,
  login: async () => (await import('./commands/login')).loginCommand,
  signin: async () => (await import('./commands/officer')).signinCommand,
  whoami: async () => (await import('./commands/officer')).whoamiCommand,
  signout: async () => (await import('./commands/officer')).signoutCommand,
  search: async () => (await import('./commands/search')).searchCommand,
  fetch: async () => (await import('./commands/fetch')).fetchCommand,
  transcript: async () => (await import('./commands/transcript')).transcriptCommand,
  retrieve: async () => (await import('./commands/retrieve')).retrieveCommand,
  jobs: async () => (await import('./commands/jobs')).jobsCommand,
  ui: async () => (await import('./commands/ui')).uiCommand,
  pack: async () => (await import('./commands/pack')).packCommand,
  reconstruct: async () => (await import('./commands/reconstruct')).reconstructCommand,
  review: async () => (await import('./commands/review')).reviewCommand,
  config: async () => (await import('./commands/config')).configCommand,
  audit: async () => (await import('./commands/audit')).auditCommand,
  archive: async () => (await import('./commands/archive')).archiveCommand,
  catalog: async () => (await import('./commands/catalog')).catalogCommand,
  hold: async () => (await import('./commands/hold')).holdCommand,
  approvals: async () => (await import('./commands/approvals')).approvalsCommand,
  annotate: async () => (await import('./commands/annotate')).annotateCommand,
  annotations: async () => (await import('./commands/annotate')).annotationsCommand,
  retention: async () => (await import('./commands/retention')).retentionCommand,
  posture: async () => (await import('./commands/posture')).postureCommand,
  trades: async () => (await import('./commands/trades')).tradesCommand,
  siem: async () => (await import('./commands/siem')).siemCommand,
  service: async () => (await import('./commands/service')).serviceCommand,
};

/** Pulls the global flags (--profile, --json) out of argv, wherever they appear. */
function globalFlags(argv: ReadonlyArray<string>): { profile: string; json: boolean; rest: Array<string> } {
  const rest: Array<string> = [];
  let profile = process.env.CUSTODY_PROFILE ?? 'default';
  let json = false;
  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i]!;
    if (arg === '--json') json = true;
    else if (arg === '--profile') profile = argv[++i] ?? '';
    else if (arg.startsWith('--profile=')) profile = arg.slice('--profile='.length);
    else rest.push(arg);
  }
  return { profile, json, rest };
}

async function main(argv: ReadonlyArray<string>): Promise<number> {
  const { profile, json, rest } = globalFlags(argv);
  const output = createOutput(json);
  const [name, ...commandArgs] = rest;
  if (!name || name === 'help' || name === '--help' || name === '-h') {
    process.stdout.write(`${help}\n`);
    return name ? 0 : 1;
  }
  try {
    const load = commands[name];
    if (!load) throw new ValidationError(`Unknown command "${name}". Run "custody --help".`);
    const parsedProfile = profileNameSchema.safeParse(profile);
    if (!parsedProfile.success) throw new ValidationError(`--profile: ${parsedProfile.error.issues[0]?.message}`);
    if (commandArgs.includes('--help') || commandArgs.includes('-h')) {
      process.stdout.write(`${help}\n`);
      return 0;
    }
    const command = await load();
    return await command({ profile: parsedProfile.data, output }, commandArgs);
  } catch (error) {
    const payload = toErrorPayload(error);
    // Never print a secret, even inside an unexpected error's text.
    const redactor = new SecretRedactor();
    output.error({ ...payload, message: redactor.redactText(payload.code === 'INTERNAL' ? `${payload.message} (${(error as Error).message})` : payload.message) });
    return 1;
  }
}

process.exitCode = await main(process.argv.slice(2));
