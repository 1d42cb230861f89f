import { FuseV1Options, FuseVersion, getCurrentFuseWire, type FuseV1Config } from '@electron/fuses';
import { readFile, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { testTempDir } from '../../helpers/temp-dir';

type AfterPackContext = { electronPlatformName: string; appOutDir: string; packager: { appInfo: { productFilename: string }; executableName: string } };
// electron-builder loads the hook with require(); the test loads the same file the same way.
const afterPackModule = createRequire(import.meta.url)('../../../build/after-pack.cjs') as {
  custodyFuses: FuseV1Config;
  default: (context: AfterPackContext) => Promise<void>;
};

// The fuse wire as Electron ships it: a sentinel, version 1, its length, then one byte per fuse.
const SENTINEL = 'dL7pKGdnNz796PbbjQWNKmHXBZaB9tsX';
const ON = '1'.charCodeAt(0);
const OFF = '0'.charCodeAt(0);
// Electron's defaults for the 8 fuses @electron/fuses knows, plus a 9th from a newer Electron.
const shippedWire = '101100011';

describe('Electron fuses burnt by the afterPack hook', () => {
  it('decides every fuse it knows: only cookie encryption, ASAR integrity and app-only-from-ASAR are on', () => {
    const fuses = afterPackModule.custodyFuses;
    const known = Object.values(FuseV1Options).filter((value): value is FuseV1Options => typeof value === 'number');
    expect(fuses.version).toBe(FuseVersion.V1);
    expect(known.filter((fuse) => typeof fuses[fuse] !== 'boolean').map((fuse) => FuseV1Options[fuse])).toEqual([]);
    expect(known.filter((fuse) => fuses[fuse]).map((fuse) => FuseV1Options[fuse])).toEqual([
      'EnableCookieEncryption',
      'EnableEmbeddedAsarIntegrityValidation',
      'OnlyLoadAppFromAsar',
    ]);
  });

  it('burns them into the packaged binary, leaving the rest of it and fuses it does not know untouched', async () => {
    const appOutDir = await testTempDir('after-pack-');
    const binary = join(appOutDir, 'custody');
    const before = Buffer.concat([Buffer.from('ELF-before'), Buffer.from(SENTINEL), Buffer.from([1, shippedWire.length]), Buffer.from(shippedWire), Buffer.from('after')]);
    await writeFile(binary, before);

    await afterPackModule.default({ electronPlatformName: 'linux', appOutDir, packager: { appInfo: { productFilename: 'Custody' }, executableName: 'custody' } });

    const wire = await getCurrentFuseWire(binary);
    expect(wire[FuseV1Options.EnableEmbeddedAsarIntegrityValidation]).toBe(ON);
    expect(wire[FuseV1Options.OnlyLoadAppFromAsar]).toBe(ON);
    expect(wire[FuseV1Options.EnableCookieEncryption]).toBe(ON);
    expect(wire[FuseV1Options.RunAsNode]).toBe(OFF);
    expect(wire[FuseV1Options.EnableNodeOptionsEnvironmentVariable]).toBe(OFF);
    expect(wire[FuseV1Options.EnableNodeCliInspectArguments]).toBe(OFF);
    expect(wire[FuseV1Options.GrantFileProtocolExtraPrivileges]).toBe(OFF);
    const after = await readFile(binary);
    expect(after.length).toBe(before.length);
    const wireStart = before.indexOf(SENTINEL) + SENTINEL.length + 2;
    expect(after.subarray(wireStart, wireStart + shippedWire.length).toString()).toBe('010011001');
    expect(after.subarray(0, wireStart).equals(before.subarray(0, wireStart))).toBe(true);
    expect(after.subarray(wireStart + shippedWire.length).equals(before.subarray(wireStart + shippedWire.length))).toBe(true);
  });
});
