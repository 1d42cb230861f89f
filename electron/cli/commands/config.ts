import { printableTextSchema } from '../../../shared/unsafe-text';
import { ValidationError } from '../../services/errors';
import { parseFlags } from '../args';
import { composeProfileSettings } from '../../services/composition/compose-settings';
import type { CommandContext } from '../context';

const usage = 'custody config [--operator NAME]   (no flags: show the profile)';
const operatorName = printableTextSchema(120).min(2);

/** `custody config`: shows the profile (never a secret) or sets the operator name used in audit records. */
export async function configCommand(ctx: CommandContext, argv: ReadonlyArray<string>): Promise<number> {
  const flags = parseFlags(argv, { operator: { type: 'string' } }, usage);
  const store = composeProfileSettings({ profile: ctx.profile });
  const operator = flags.string('operator');
  if (operator !== undefined) {
    const parsed = operatorName.safeParse(operator);
    if (!parsed.success) throw new ValidationError(`--operator ${parsed.error.issues[0]?.message}`);
    await store.update((p) => ({ ...p, operatorName: parsed.data }));
  }
  const profile = await store.load();
  ctx.output.result({ profile: ctx.profile, file: store.paths.profileFile, dataDir: store.paths.dataDir, ...profile }, () =>
    [
      `profile        ${ctx.profile} (${store.paths.profileFile})`,
      `data           ${store.paths.dataDir}`,
      `operator       ${profile.operatorName ?? '(OS account name)'}`,
      `audit log id   ${profile.logId}`,
      `genesys        ${profile.genesys ? ('gateway' in profile.genesys ? profile.genesys.gateway : profile.genesys.region) : '(not configured)'}`,
      `worm           ${profile.worm ? `${profile.worm.endpoint} bucket ${profile.worm.auditBucket} (${profile.worm.mode}, ${profile.worm.auditRetentionDays} days)` : '(not configured)'}`,
    ].join('\n'),
  );
  return 0;
}
