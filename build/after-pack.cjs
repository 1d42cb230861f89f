// Burns Electron fuses into the packaged binary (style guide section 8; Element does the same).
const path = require('node:path');
const { flipFuses, FuseVersion, FuseV1Options } = require('@electron/fuses');

/** Every fuse @electron/fuses knows is decided here; a fuse a newer Electron adds keeps its default. */
const custodyFuses = {
  version: FuseVersion.V1,
  [FuseV1Options.RunAsNode]: false,
  [FuseV1Options.EnableCookieEncryption]: true,
  [FuseV1Options.EnableNodeOptionsEnvironmentVariable]: false,
  [FuseV1Options.EnableNodeCliInspectArguments]: false,
  // electron-builder embeds the ASAR header hashes (Info.plist on macOS, a resource on Windows) before
  // afterPack; with this fuse Electron refuses a modified app.asar. Linux has no embedded integrity yet.
  [FuseV1Options.EnableEmbeddedAsarIntegrityValidation]: true,
  // Without it, a loose resources/app folder would be loaded instead of the checked app.asar.
  [FuseV1Options.OnlyLoadAppFromAsar]: true,
  [FuseV1Options.LoadBrowserProcessSpecificV8Snapshot]: false,
  [FuseV1Options.GrantFileProtocolExtraPrivileges]: false,
};

/** The Electron binary electron-builder wrote for this platform (where its fuse wire lives). */
function electronBinary({ electronPlatformName, appOutDir, packager }) {
  const name = packager.appInfo.productFilename;
  if (electronPlatformName === 'darwin') return path.join(appOutDir, `${name}.app`);
  if (electronPlatformName === 'win32') return path.join(appOutDir, `${name}.exe`);
  return path.join(appOutDir, packager.executableName);
}

exports.custodyFuses = custodyFuses;
exports.default = async function afterPack(context) {
  await flipFuses(electronBinary(context), custodyFuses);
};
