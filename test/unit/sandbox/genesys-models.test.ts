// The sandbox answers in the shapes of Genesys's own generated models (platformClient.Models in the
// official SDK's index.d.ts). The type assertions here are checked by `tsc -b`: if a view stops
// returning its model, or the model stops rejecting a field the real API lacks, this file fails to compile.
import type { Models } from 'purecloud-platform-client-v2';
import { describe, expect, expectTypeOf, it } from 'vitest';
import { errorBody, type EntityListing } from '../../sandbox/http';
import { defaultAnchor, generateDataset } from '../../sandbox/dataset';
import {
  analyticsConversationView,
  conversationView,
  organizationView,
  queueView,
  recordingMetadataView,
  recordingView,
  retentionPolicyView,
  userView,
} from '../../sandbox/views';
import { SandboxWorld } from '../../sandbox/world';

type RecordingUser = NonNullable<ReturnType<typeof recordingView>['users']>[number];

describe("sandbox views typed by Genesys's models", () => {
  it('each view returns its model', () => {
    expectTypeOf(organizationView).returns.toEqualTypeOf<Models.Organization>();
    expectTypeOf(userView).returns.toEqualTypeOf<Models.User>();
    expectTypeOf(queueView).returns.toEqualTypeOf<Models.Queue>();
    expectTypeOf(analyticsConversationView).returns.toEqualTypeOf<Models.AnalyticsConversation>();
    expectTypeOf(conversationView).returns.toEqualTypeOf<Models.Conversation>();
    expectTypeOf(recordingMetadataView).returns.toEqualTypeOf<Models.RecordingMetadata>();
    expectTypeOf(recordingView).returns.toEqualTypeOf<Models.Recording>();
    expectTypeOf(retentionPolicyView).returns.toEqualTypeOf<Models.Policy>();
    expectTypeOf(errorBody).returns.toEqualTypeOf<Models.ErrorBody>();
    expectTypeOf<EntityListing<Models.User>>().toExtend<Models.UserEntityListing>();
  });

  it('a field the real API lacks, or a missing required field, does not compile', () => {
    // @ts-expect-error Organization has no homeRegion: a real org's region is the host it lives on
    const withHomeRegion: ReturnType<typeof organizationView> = { version: 12, homeRegion: 'eu-west-2' };
    // @ts-expect-error Organization.version is required
    const orgWithoutVersion: ReturnType<typeof organizationView> = { id: 'org-1' };
    // @ts-expect-error a recording's users[] are Users, whose version is required
    const userWithoutVersion: RecordingUser = { id: 'user-1', name: 'Dealer' };
    // @ts-expect-error Recording has no durationMs (it is outputDurationMs)
    const recordingWithExtra: ReturnType<typeof recordingView> = { id: 'rec-1', durationMs: 1000 };
    expect([withHomeRegion, orgWithoutVersion, userWithoutVersion, recordingWithExtra]).toHaveLength(4);
  });

  it('renders the seeded world without the old mismatches', () => {
    const dataset = generateDataset({ seed: 1, anchor: defaultAnchor(), days: 30 });
    const world = new SandboxWorld(dataset, 1_000, () => Date.now());
    const org = organizationView(dataset);
    expect(org).toMatchObject({ id: dataset.organization.id, version: expect.any(Number) });
    expect(Object.keys(org).filter((key) => /region/i.test(key))).toEqual([]);
    for (const recording of dataset.recordings.slice(0, 20)) {
      const users = recordingView(world, recording, {}).users ?? [];
      expect(users.length).toBeGreaterThan(0);
      for (const user of users) expect(user).toMatchObject({ id: expect.any(String), version: expect.any(Number) });
      expect(recordingMetadataView(world, recording).region).toBe('eu-west-2');
    }
  });
});
