import { parseFlags } from '../args';
import { composeProfileSettings } from '../../services/composition/compose-settings';
import type { CommandContext } from '../context';

const usage = 'custody config   (shows the profile)';

/** `custody config`: shows the profile (never a secret). Who acts is the signed-in officer, not a setting. */
export async function configCommand(ctx: CommandContext, argv: ReadonlyArray<string>): Promise<number> {
  parseFlags(argv, {}, usage);
  const store = composeProfileSettings({ profile: ctx.profile });
  const profile = await store.load();
  ctx.output.result({ profile: ctx.profile, file: store.paths.profileFile, dataDir: store.paths.dataDir, ...profile }, () =>
    [
      `profile        ${ctx.profile} (${store.paths.profileFile})`,
      `data           ${store.paths.dataDir}`,
      `audit log id   ${profile.logId}`,
      `genesys        ${profile.genesys ? ('gateway' in profile.genesys ? profile.genesys.gateway : profile.genesys.region) : '(not configured)'}`,
      `worm           ${profile.worm ? `${profile.worm.endpoint} bucket ${profile.worm.auditBucket} (${profile.worm.mode}, ${profile.worm.auditRetentionDays} days)` : '(not configured)'}`,
    ].join('\n'),
  );
  return 0;
}
