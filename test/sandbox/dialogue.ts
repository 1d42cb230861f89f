import type { SeedAgent, SeedConversation, SeedQueue, SeedRecording } from './dataset';

/** The scripted dealer dialogue a recording's audio speaks: who says what, in order. */

export type Speaker = 'agent' | 'client';

export type DialogueLine = {
  speaker: Speaker;
  text: string;
  /** Generic lines (no names or numbers) are synthesised once and reused across recordings. */
  generic: boolean;
};

export type Dialogue = {
  opening: Array<DialogueLine>;
  /** Repeated, with pauses, to fill long calls. */
  filler: Array<DialogueLine>;
  closing: Array<DialogueLine>;
};

const DIGIT_WORDS = ['zero', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine'];

/** Digits read one by one, so "20261103" is not read as a number or a year. */
export function spellDigits(text: string): string {
  const words: Record<string, string> = { '.': 'point', '%': 'percent', '-': ',' };
  return text
    .replace(/[0-9.%-]/g, (ch) => ` ${DIGIT_WORDS[Number(ch)] ?? words[ch] ?? ch} `)
    .replace(/\s+/g, ' ')
    .replace(/ ,/g, ',')
    .trim();
}

const firstName = (name: string): string => name.split(' ')[0] ?? name;

const agentLine = (text: string, generic = false): DialogueLine => ({ speaker: 'agent', text, generic });
const clientLine = (text: string, generic = false): DialogueLine => ({ speaker: 'client', text, generic });

const TRADING_FILLER: ReadonlyArray<DialogueLine> = [
  agentLine('Let me check the screen for you.', true),
  clientLine('Sure, take your time.', true),
  agentLine('The market is a bit thin this morning, liquidity is patchy.', true),
  clientLine('Understood. What are you seeing on the forwards?', true),
  agentLine('Give me a second, I am checking with the desk.', true),
  clientLine('No problem, I will hold.', true),
  clientLine('Are you still there?', true),
  agentLine('Yes, still here, just waiting on the quote.', true),
];

const SERVICES_FILLER: ReadonlyArray<DialogueLine> = [
  agentLine('Let me pull up your account details.', true),
  clientLine('Thanks, no rush.', true),
  agentLine('The system is a little slow today, bear with me.', true),
  clientLine('That is fine.', true),
  clientLine('Can you also confirm the email address you hold for us?', true),
  agentLine('Yes, I can see it here, it matches what you sent.', true),
];

export function dialogueFor(
  conversation: Readonly<SeedConversation>,
  recording: Readonly<SeedRecording>,
  agent: Readonly<SeedAgent>,
  queue: Readonly<SeedQueue>,
): Dialogue {
  const agentFirst = firstName(agent.name);
  const clientFirst = firstName(conversation.client.name);
  const closing = [agentLine(`Thanks ${clientFirst}, speak later.`), clientLine('Cheers, bye.', true)];
  const filler = [...(queue.trading ? TRADING_FILLER : SERVICES_FILLER)];
  if (recording.part > 0) {
    return { opening: [agentLine(`Thanks for holding, ${clientFirst}.`), clientLine('No problem, go ahead.', true)], filler, closing };
  }
  const deal = conversation.deal;
  if (!queue.trading || !deal) {
    return {
      opening: [
        agentLine(`Client services, ${agentFirst} speaking.`),
        clientLine(`Hello, it is ${clientFirst} from ${conversation.client.firm}. I need a copy of last month's statement.`),
        agentLine('Of course, I will send it to the email we hold on file.', true),
        clientLine('Thank you. Could you also check our settlement instructions?', true),
        agentLine('I can see them, they were updated last week.', true),
      ],
      filler,
      closing,
    };
  }
  const tradeRef = conversation.tradingId ? `Trade reference ${spellDigits(conversation.tradingId)}.` : 'I will send the ticket over by email.';
  const account = conversation.clientAccount ? ` Booked to account ${spellDigits(conversation.clientAccount.replace(/^ACC-/, 'A C C '))}.` : '';
  const price = spellDigits(deal.price);
  if (conversation.followUpOf && conversation.tradingId) {
    return {
      opening: [
        agentLine(`${queue.name}, ${agentFirst} speaking.`),
        clientLine(`Hi ${agentFirst}, it is ${clientFirst}. I am calling about trade reference ${spellDigits(conversation.tradingId)} from earlier.`),
        agentLine(`Yes, I have it. You ${deal.side} ${deal.amountSpoken}, ${deal.instrumentSpoken}, at ${price}.`),
        clientLine('Can we confirm the settlement date?', true),
        agentLine(`Settlement is standard.${account}`),
        clientLine('Perfect, that matches our records.', true),
      ],
      filler,
      closing,
    };
  }
  const greeting =
    conversation.direction === 'inbound'
      ? [agentLine(`${queue.name}, ${agentFirst} speaking.`), clientLine(`Hi ${agentFirst}, it is ${clientFirst} at ${conversation.client.firm}.`)]
      : [agentLine(`Hi ${clientFirst}, it is ${agentFirst} on the ${queue.name}. Are you still looking at ${deal.instrumentSpoken}?`), clientLine('Yes, what is the level?', true)];
  return {
    opening: [
      ...greeting,
      clientLine(`Can you show me ${deal.instrumentSpoken} in ${deal.amountSpoken}?`),
      agentLine(`Sure. I can offer you ${price}.`),
      clientLine(`OK, I ${deal.side} ${deal.amountSpoken} at that price.`),
      agentLine(`Done. You ${deal.side} ${deal.amountSpoken} at ${price}. ${tradeRef}${account}`),
      clientLine('Confirmed.', true),
    ],
    filler,
    closing,
  };
}
