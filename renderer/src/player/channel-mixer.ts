/**
 * Per-channel volume for a stereo recording (agent left, client right), in Web Audio:
 * media element -> ChannelSplitter -> one GainNode per channel -> ChannelMerger -> master gain -> speakers.
 * The media element stays the only source: the audio still comes only from the play's grant URL.
 */
export type ChannelMixer = {
  setGains(channelGains: ReadonlyArray<number>, master: number): void;
  /** Browsers start an AudioContext suspended until the page has been used; play resumes it. */
  resume(): Promise<void>;
};

type Graph = { context: AudioContext; channels: Array<GainNode>; master: GainNode };

// A media element can feed one MediaElementAudioSourceNode in its lifetime: the graph is kept per
// element, so a re-render (or React's StrictMode double effect) reuses it instead of failing.
const graphs = new WeakMap<HTMLMediaElement, Graph>();

function graphFor(media: HTMLMediaElement, channelCount: number): Graph {
  const existing = graphs.get(media);
  if (existing) return existing;
  const context = new AudioContext();
  const source = context.createMediaElementSource(media);
  const splitter = context.createChannelSplitter(2);
  const merger = context.createChannelMerger(2);
  const master = context.createGain();
  source.connect(splitter);
  const channels = [0, 1].map((channel) => {
    const gain = context.createGain();
    splitter.connect(gain, channel);
    return gain;
  });
  if (channelCount >= 2) {
    channels.forEach((gain, channel) => gain.connect(merger, 0, channel));
  } else {
    // A mono recording: its one channel to both ears.
    channels[0]!.connect(merger, 0, 0);
    channels[0]!.connect(merger, 0, 1);
  }
  merger.connect(master);
  master.connect(context.destination);
  const graph = { context, channels, master };
  graphs.set(media, graph);
  return graph;
}

/** The mixer for `media`, or null where Web Audio is missing (the media element's own volume is used then). */
export function channelMixerFor(media: HTMLMediaElement, channelCount: number): ChannelMixer | null {
  if (typeof AudioContext === 'undefined') return null;
  const graph = graphFor(media, channelCount);
  return {
    setGains(channelGains, master) {
      graph.channels.forEach((gain, channel) => {
        gain.gain.value = channelGains[channel] ?? 0;
      });
      graph.master.gain.value = master;
    },
    resume: async () => {
      if (graph.context.state === 'suspended') await graph.context.resume();
    },
  };
}

/** Closes the graph of a media element that has left the page (the player was unmounted for good). */
export function releaseMixerWhenGone(media: HTMLMediaElement): void {
  setTimeout(() => {
    const graph = graphs.get(media);
    if (!graph || media.isConnected) return;
    graphs.delete(media);
    void graph.context.close();
  }, 0);
}
