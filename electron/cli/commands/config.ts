import { intFlag, parseFlags } from '../args';
import { composeProfileSettings } from '../../services/composition/compose-settings';
import { configureSiem } from '../../services/siem/siem-config';
import type { CommandContext } from '../context';
import { readSecret } from '../secret-input';

const usage =
  'custody config   (shows the profile)\n' +
  '       custody config --siem (syslog+tcp://HOST:PORT | syslog+tls://HOST:PORT | https://URL | off) [--siem-ca PEM_FILE] [--siem-pen N] [--siem-token]   (the token is read from stdin or a prompt)';

/**
 * `custody config`: shows the profile (never a secret). Who acts is the signed-in officer, not a setting.
 * With --siem*: where the profile's audit events are forwarded (the HTTPS token goes to the keychain).
 */
export async function configCommand(ctx: CommandContext, argv: ReadonlyArray<string>): Promise<number> {
  const flags = parseFlags(
    argv,
    { siem: { type: 'string' }, 'siem-ca': { type: 'string' }, 'siem-pen': { type: 'string' }, 'siem-token': { type: 'boolean' } },
    usage,
  );
  const store = composeProfileSettings({ profile: ctx.profile });
  const siemChange = {
    ...(flags.string('siem') !== undefined ? { url: flags.string('siem')! } : {}),
    ...(flags.string('siem-ca') !== undefined ? { caFile: flags.string('siem-ca')! } : {}),
    ...(flags.string('siem-pen') !== undefined ? { enterpriseId: intFlag(flags.string('siem-pen'), '--siem-pen', { min: 1, max: 2 ** 31 - 1 })! } : {}),
    ...(flags.bool('siem-token') ? { token: await readSecret('SIEM token (Authorization value): ') } : {}),
  };
  if (Object.keys(siemChange).length > 0) await configureSiem(store, siemChange);
  const profile = await store.load();
  ctx.output.result({ profile: ctx.profile, file: store.paths.profileFile, dataDir: store.paths.dataDir, ...profile }, () =>
    [
      `profile        ${ctx.profile} (${store.paths.profileFile})`,
      `data           ${store.paths.dataDir}`,
      `audit log id   ${profile.logId}`,
      `genesys        ${profile.genesys ? ('gateway' in profile.genesys ? profile.genesys.gateway : profile.genesys.region) : '(not configured)'}`,
      `worm           ${profile.worm ? `${profile.worm.endpoint} bucket ${profile.worm.auditBucket} (${profile.worm.mode}, ${profile.worm.auditRetentionDays} days)` : '(not configured)'}`,
      `siem           ${profile.siem ? `${profile.siem.url} (custody@${profile.siem.enterpriseId}${profile.siem.caFile ? `, CA ${profile.siem.caFile}` : ''})` : '(not forwarded)'}`,
    ].join('\n'),
  );
  return 0;
}
