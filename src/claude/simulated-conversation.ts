import type { ConversationTurn } from './conversation-tool'

/**
 * The simulator's writer: a conversation between a user (the persona, feeling the emotion, asking
 * about the topic) and an assistant, built from phrase banks per emotion, persona and role, with the
 * topic woven in. With a source text the assistant answers in the source's own sentences. A share of
 * conversations carries the faults real model output has (terse turns, repetition, drifting off
 * topic, stepping out of the role play, one speaker dominating, ending on the user), so the quality
 * score, its filters and auto-review have something to sort. Deterministic for a given `random`.
 */

export type ConversationBrief = {
  persona: string
  emotion: string
  topic: string
  /** The edge case the prompt describes, if any ("The user threatens to leave and asks for a manager."). */
  edgeCase?: string
  /** What the writer was told it is doing (the system prompt's first sentence), which a leaky answer repeats. */
  purpose?: string
  /** Grounded generation: the chunk's text; the assistant reuses its sentences. */
  source?: string
  minTurns: number
  maxTurns: number
}

export const FAULTS = ['too_short', 'repetitive', 'off_topic', 'prompt_leakage', 'assistant_dominates', 'user_dominates', 'ends_with_user'] as const
export type Fault = (typeof FAULTS)[number]

export type WrittenConversation = { title: string; turns: ConversationTurn[]; faults: Fault[] }

type Random = () => number

// Emotions the banks know, found by a stem of the brief's emotion; anything else reads as neutral.
const MOODS = ['angry', 'frustrated', 'anxious', 'confused', 'impatient', 'sceptical', 'curious', 'hopeful', 'grateful', 'calm'] as const
type Mood = (typeof MOODS)[number]
const MOOD_STEMS: Array<[RegExp, Mood]> = [
  [/angr|furious|outrag|irate|livid|upset/i, 'angry'],
  [/frustrat|annoy|irritat|fed up|disappoint/i, 'frustrated'],
  [/anxi|worr|nervous|stress|scared|afraid|panic|fear/i, 'anxious'],
  [/confus|lost|unsure|uncertain|puzzl|overwhelm/i, 'confused'],
  [/impatien|hurr|rush|urgent/i, 'impatient'],
  [/scep|skep|doubt|suspic|distrust|cynic/i, 'sceptical'],
  [/curio|interest|eager|excit|enthus/i, 'curious'],
  [/hope|optimis/i, 'hopeful'],
  [/grate|thank|apprecia|happy|pleased|satisf/i, 'grateful'],
  [/calm|neutral|relax|patient|content/i, 'calm'],
]

function moodOf(emotion: string): Mood {
  return MOOD_STEMS.find(([re]) => re.test(emotion))?.[1] ?? 'calm'
}

/** The first word of a text that names an emotion the writer knows ("A frustrated customer…" → "frustrated"). */
export function emotionWordIn(text: string): string | undefined {
  return text.match(/\p{L}+/gu)?.find((word) => word.length >= 4 && MOOD_STEMS.some(([re]) => re.test(word)))
}

type Words = { topic: string; Topic: string; persona: string; aPersona: string; detail: string }
type Line = (w: Words) => string

const GREETINGS: Record<Mood, Line[]> = {
  angry: [
    () => 'This is unacceptable.',
    () => 'I am really angry right now.',
    () => "I'm done being polite about this.",
    () => 'Frankly, I am furious.',
    () => 'Someone needs to fix this today.',
  ],
  frustrated: [
    () => "Hi. I'm getting pretty frustrated here.",
    () => 'Okay, this is the third time I am trying to get an answer.',
    () => "Honestly, I'm running out of patience.",
    () => 'Hello again, and sorry if I sound annoyed.',
    () => 'I have spent all morning on this already.',
  ],
  anxious: [
    () => "Hi, I'm a bit worried and hoping you can help.",
    () => "Sorry to bother you, I'm quite nervous about this.",
    () => "Hello. I don't want to make things worse, so I thought I'd ask first.",
    () => 'Hi, this has been keeping me up at night, honestly.',
    () => "I'm sorry, I'm really stressed about this.",
  ],
  confused: [
    () => "Hi, I'm a little lost.",
    () => "Hello, I've read the instructions twice and I'm still confused.",
    () => "Sorry if this is a silly question, but I can't make sense of it.",
    () => "Hi. I think I've misunderstood something.",
    () => "I'm not sure I'm even asking the right question.",
  ],
  impatient: [
    () => 'Quick one, I need this sorted fast.',
    () => "I don't have long, so straight to it.",
    () => 'Hi, I need an answer today, please.',
    () => "Let's be quick, I'm between meetings.",
    () => 'I need this fixed now.',
  ],
  sceptical: [
    () => "Hi. I'm not convinced this will work, but here goes.",
    () => "I've heard a few different answers already, so bear with me.",
    () => "Hello. I'll be honest, I doubt there's an easy fix.",
    () => 'Last time I was told it would be fine, and it was not.',
    () => "Hi, I'd like a straight answer this time.",
  ],
  curious: [
    () => "Hi! I've been wondering about something.",
    () => "Hello, I'd love to understand this better.",
    () => "Hey, I'm curious how this works.",
    () => 'Hi there, I have a question I keep coming back to.',
    () => "Hello! I'm trying to learn more before I decide.",
  ],
  hopeful: [
    () => "Hi, I'm hoping you can help me out.",
    () => "Hello, fingers crossed you're the right person to ask.",
    () => 'Hi! A friend said you might be able to sort this out.',
    () => "Hi there, I'm hoping there's a way to make this work.",
    () => 'Hello, I think this should be simple, I hope.',
  ],
  grateful: [
    () => 'Hi, thanks for taking the time.',
    () => 'Hello, and thank you in advance.',
    () => 'Hi! Thanks for being there, I appreciate it.',
    () => "Hello, your colleague helped me last week, so I'm back.",
    () => 'Hi, thanks so much for picking this up.',
  ],
  calm: [() => 'Hi there.', () => 'Hello, I have a question.', () => 'Good morning.', () => 'Hi, hope you can help.', () => 'Hello.'],
}

const ASKS: Line[] = [
  (w) => `I need help with ${w.topic}.`,
  (w) => `It's about ${w.topic}.`,
  (w) => `I'm stuck with ${w.topic} and I don't know what to do next.`,
  (w) => `Can you walk me through ${w.topic}?`,
  (w) => `Something isn't right with ${w.topic}.`,
  (w) => `I have a question about ${w.topic}, specifically ${w.detail}.`,
  (w) => `${w.Topic} is giving me trouble, mostly ${w.detail}.`,
]

// What the persona brings to the conversation, found by words of the persona.
const PERSONA_NOTES: Array<[RegExp, Line[]]> = [
  [
    /business|owner|executive|manager|founder|freelanc/i,
    [() => 'Time is money for me, so I need something that works.', () => 'I have a team depending on this.'],
  ],
  [/student|young|teen/i, [() => "I'm on a tight budget, so I can't pay for extras.", () => "I've got exams coming up, so I can't spend days on this."]],
  [
    /engineer|developer|admin|it |technical|programmer/i,
    [() => 'I already checked the obvious things myself.', () => 'You can skip the basics; I know my way around.'],
  ],
  [/non-native|foreign|language/i, [() => 'Please use simple words, my English is not perfect.', () => 'Sorry for my English, I try to explain well.']],
  [
    /parent|mother|father|mum|mom|dad/i,
    [() => 'I have two kids running around, so I may be slow to answer.', () => 'I need this sorted before the school run.'],
  ],
  [/nurse|shift|doctor/i, [() => 'I work nights, so I can only deal with this in the mornings.', () => 'I only have a short break, sorry if I rush.']],
  [
    /retired|senior|elderly|grand/i,
    [() => "I'm not very good with computers, so please be patient with me.", () => 'My grandson usually helps me with these things.'],
  ],
  [/first|new|beginner|novice/i, [() => "This is my first time doing this, so I don't know the usual steps.", () => "I'm new to all of this."]],
  [/travel|blogger|nomad/i, [() => "I'm travelling, so my connection comes and goes.", () => "I'm in a different time zone this week."]],
]
const PERSONA_INTROS: Line[] = [
  (w) => `For context, I'm ${w.aPersona}.`,
  (w) => `I'm ${w.aPersona}, if that matters.`,
  (w) => `As ${w.aPersona}, I don't have a lot of room to get this wrong.`,
  (w) => `A bit of background: I'm ${w.aPersona}.`,
]

const EMPATHY: Record<Mood, Line[]> = {
  angry: [() => "I'm sorry, that shouldn't have happened.", () => 'You have every right to be annoyed.', () => 'I hear you, and I want to fix this.'],
  frustrated: [() => "I'm sorry you've had to chase this.", () => 'Thanks for bearing with us.', () => "Let's get it sorted this time."],
  anxious: [() => "Don't worry, this is fixable.", () => "You haven't done anything wrong.", () => "Take your time; we'll go step by step."],
  confused: [() => 'No question is silly here.', () => "It's confusing, you're not alone.", () => "Let's untangle it together."],
  impatient: [() => "I'll keep it short.", () => 'Straight to it, then.', () => "Let's be quick."],
  sceptical: [
    () => "Fair enough, I'll be specific.",
    () => "I understand the doubt; here's what I can confirm.",
    () => "I won't promise what I can't deliver.",
  ],
  curious: [() => 'Great question.', () => 'Happy to explain.', () => 'Good thing to ask about.'],
  hopeful: [() => "There's a good chance we can.", () => "Let's see what's possible.", () => 'I think we can make this work.'],
  grateful: [() => 'Thanks for the kind words.', () => 'Happy to help.', () => "You're very welcome."],
  calm: [() => 'Sure.', () => 'Of course.', () => 'Happy to help.'],
}

// Ungrounded answers: advice steps with the topic woven in, each a sentence or two.
const FIRST_ANSWERS: Line[] = [
  (w) => `Let me start with ${w.detail}, since that's where ${w.topic} usually goes wrong. Can you tell me what you've tried so far?`,
  (w) => `With ${w.topic}, the first thing to check is ${w.detail}. When did you first notice the problem?`,
  (w) => `To understand ${w.topic} properly I need one detail: what exactly happened, and when?`,
  (w) => `Most questions about ${w.topic} come down to ${w.detail}. What does it look like on your side right now?`,
  (w) => `Good that you asked before changing anything. What is the current state of ${w.topic}?`,
]
/** The whole answer at once, for a conversation too short for questions back and forth. */
const DIRECT_ANSWERS: Line[] = [
  (w) => `With ${w.topic}, the usual cause is ${w.detail}. I've corrected that from my side, so it should be fine within the hour.`,
  (w) => `I've looked into ${w.topic}: ${w.detail} needed an update, and that's done now. You don't need to do anything else.`,
  (w) => `The short answer is that ${w.detail} decides it. Once that's in order, ${w.topic} takes care of itself, and I've made sure it is.`,
  (w) => `I can see what happened with ${w.topic}. It's ${w.detail}, and I've fixed it; you'll get a confirmation shortly.`,
]
const USER_DETAILS: Line[] = [
  (w) => `I noticed it on Monday. I tried the obvious fix, but ${w.detail} still looks wrong.`,
  (w) => `So far I've only looked at ${w.detail}. Nothing changed.`,
  (w) => `It started after I changed something about ${w.detail}, I think.`,
  (w) => `I followed the steps on the website, but they don't mention ${w.detail} at all.`,
  () => `Nothing yet, to be honest. I didn't want to break anything.`,
  (w) => `I tried twice. The second time ${w.detail} was even worse.`,
]
const ADVICE: Line[] = [
  (w) => `Thanks, that helps. Then the cause is most likely ${w.detail}. I'd fix that first and leave everything else as it is.`,
  (w) => `Understood. In that case, go back one step and redo ${w.detail}; it's the part of ${w.topic} that most often needs a second try.`,
  (w) => `That narrows it down. I can see the issue with ${w.detail}, and I've corrected it from my side.`,
  (w) => `Right. Please don't change anything else yet. Once ${w.detail} is settled, ${w.topic} should behave normally.`,
  (w) => `Okay. A simple way through is to write down what you see now, change only ${w.detail}, and compare.`,
]
const FOLLOW_UPS: Line[] = [
  () => 'How long will that take?',
  (w) => `And if that doesn't work, what then? I really need ${w.topic} settled.`,
  () => 'Is there anything I should avoid doing in the meantime?',
  (w) => `Will this happen again, or is ${w.detail} fixed for good?`,
  () => 'Do you need anything else from me?',
  (w) => `Could you explain why ${w.detail} matters so much?`,
]
const FOLLOW_UP_ANSWERS: Line[] = [
  () => 'It usually takes a day or two. I will keep an eye on it and follow up if it takes longer.',
  (w) => `If it doesn't work, reply here and I'll escalate ${w.topic} to a specialist with everything we've covered.`,
  (w) => `Just avoid changing ${w.detail} again until it has settled. Everything else is safe.`,
  (w) => `It shouldn't come back. The change I made addresses ${w.detail} directly.`,
  () => "No, I have everything I need. You'll get a confirmation once it's done.",
  (w) => `Because everything else in ${w.topic} depends on it. If ${w.detail} is off, the rest follows.`,
]
const EDGE_ANSWERS: Line[] = [
  (w) => `I understand, and I'd rather sort this out than lose you. I've flagged ${w.topic} as urgent and a senior colleague will contact you today.`,
  () => "That's a fair request. Let me bring in someone who can approve an exception, and I'll stay on the case until it's closed.",
  (w) => `Thank you for telling me. That changes how we handle ${w.topic}, so I've noted it on the case.`,
]
const CLOSINGS: Record<Mood, Line[]> = {
  angry: [
    () => "Fine. I'll hold you to that.",
    (w) => `Okay. If ${w.topic} isn't fixed by Friday I'm taking this further.`,
    () => "Alright, that's more like it.",
  ],
  frustrated: [
    () => 'Okay, that finally makes sense. Thanks.',
    (w) => `Good, I just want ${w.topic} behind me.`,
    () => "Alright. Let's hope that's the end of it.",
  ],
  anxious: [
    () => "That's a relief, thank you so much.",
    () => 'Okay, I feel a lot calmer now. Thanks.',
    (w) => `Thank you. I was really worried about ${w.topic}.`,
  ],
  confused: [() => 'Ah, I get it now. Thanks for explaining.', () => "Okay, that's much clearer.", (w) => `Right, so it was ${w.detail} all along. Thanks.`],
  impatient: [() => 'Good. Done then.', () => 'Great, thanks for being quick.', () => "Okay, that's all I needed."],
  sceptical: [() => "We'll see. But thanks for being straight with me.", () => "Alright, I'll give it a try.", () => "Okay. That's clearer than last time."],
  curious: [
    () => "That's fascinating, thanks!",
    (w) => `Great, I understand ${w.topic} a lot better now.`,
    () => "Thanks, that's exactly what I wanted to know.",
  ],
  hopeful: [() => 'Brilliant, thank you!', () => "That's great news, thanks.", (w) => `Perfect, I'm glad ${w.topic} can be sorted.`],
  grateful: [() => 'Thank you so much, really.', () => "You've been a great help, thanks.", () => 'Thanks again, have a lovely day.'],
  calm: [() => 'Thanks, that answers it.', () => 'Great, thank you.', () => 'Okay, thanks for your help.'],
}
const SIGN_OFFS: Line[] = [
  () => "You're welcome. If anything else comes up, just reply to this conversation.",
  (w) => `Glad I could help with ${w.topic}. Have a good rest of your day.`,
  () => 'Anytime. The confirmation will be in your inbox shortly.',
  () => "My pleasure. I'll check back in a couple of days to make sure everything's fine.",
]

const SHORT_SIGN_OFFS = ["You're welcome.", 'Glad to help.', 'Anytime.', 'My pleasure!', 'Happy to help.']

// Grounded answers: a short lead-in (too few content words to count as a claim) before the source's sentences;
// sign-offs as short, so everything the assistant claims comes from the source.
const LEAD_INS = ['Sure.', 'Yes.', 'Good question.', 'Right.', 'Here is what applies.', 'Let me check.', 'In short:', 'Okay.']
const SOURCE_QUESTIONS: Line[] = [
  (w) => `And what about ${w.detail}?`,
  (w) => `How does ${w.detail} work, exactly?`,
  (w) => `Does that apply to ${w.detail} as well?`,
  (w) => `Is there anything I should know about ${w.detail}?`,
  (w) => `What happens with ${w.detail} in my case?`,
]

// Faults: what real output gets wrong.
const TERSE: Record<ConversationTurn['role'], string[]> = {
  user: ['Ok.', 'Thanks.', 'Yes.', 'Fine.', 'Hmm.', 'Okay then.', 'Right.'],
  assistant: ['Sure.', 'Got it.', 'Done.', 'Noted.', 'Okay.', 'Will do.'],
}
const OFFERS: Line[] = [
  () => 'Is there anything else I can help you with today?',
  (w) => `I hope this helps with ${w.topic}.`,
  () => 'Please do not hesitate to reach out if you need anything else.',
]
const COMPLAINTS: Line[] = [() => 'I just want this sorted out.', () => 'This should not be this hard.', () => 'I really need this fixed.']
const PARROTS: Line[] = [
  (w) => `I completely understand your concern about ${w.topic}.`,
  () => 'Thank you for your patience while we look into this.',
  (w) => `Please let me know if you have any other questions about ${w.topic}.`,
  () => 'I apologise for any inconvenience this may have caused.',
]
const OFF_TOPIC: Array<[user: Line, assistant: Line]> = [
  [() => 'By the way, do you know any good pizza places downtown?', () => 'The place on Elm Street has a wood oven and is open late on weekends.'],
  [() => 'Unrelated, but what do you think of the new phone models?', () => 'The newer models mostly improve the camera and battery life over last year.'],
  [() => 'Random question: is it going to rain this weekend?', () => 'The forecast shows light showers on Saturday and sunshine on Sunday.'],
  [() => 'Also, can you recommend a good book for a long flight?', () => 'A classic mystery novel works well, something you can put down and pick up again.'],
]
const OUT_OF_ROLE: Line[] = [
  (w) => `As an AI language model, I don't have access to your records about ${w.topic}.`,
  () => "As an AI, I can't help with that, but a human agent could.",
  () => "I'm just an AI, so please check the details with the company directly.",
]
/** The writer's own instructions, repeated in the conversation. */
function leak(brief: ConversationBrief, w: Words): string {
  const purpose = brief.purpose?.trim().replace(/[.!?]*$/, '')
  return purpose
    ? `(Instructions: ${lowerFirst(purpose)}. The user is ${w.aPersona}.)`
    : `(Note: this is a sample conversation with ${w.aPersona}, written as instructed.)`
}
const RAMBLE: Line[] = [
  (w) => `There are several things to consider with ${w.topic}.`,
  (w) => `First, ${w.detail} needs to be in order, because everything else depends on it.`,
  () => 'Second, any change takes a while to show up, so it helps to be patient.',
  (w) => `Third, keep a note of what you changed and when, in case ${w.topic} needs a second look.`,
  () => 'It is also worth reading the terms, since they explain the limits that apply.',
  () => 'Many people find it useful to set a reminder to check on progress.',
  () => 'If you are unsure at any point, it is always better to ask before acting.',
  (w) => `Finally, remember that ${w.detail} can differ from one case to the next.`,
]
const USER_RANT: Line[] = [
  (w) => `Let me explain the whole story, because ${w.topic} has been a mess from the start.`,
  (w) => `First I tried to fix ${w.detail} myself, which took an entire afternoon, and nothing happened at all.`,
  () => 'Then I called, waited on hold for forty minutes, and was told someone would call back, which never happened.',
  () => 'After that I sent an email, got an automatic reply, and then silence for a whole week.',
  () => 'I have screenshots of all of it, and I am keeping every single message in case I need them later.',
]

export function writeConversation(brief: ConversationBrief, random: Random): WrittenConversation {
  const mood = moodOf(brief.emotion)
  const facts = brief.source ? sourceSentences(brief.source, random) : []
  const details = detailsOf(brief, facts)
  const w = (detail = details[0]!): Words => wordsOf(brief, detail)
  const faults = drawFaults(random, brief)
  // A conversation with terse turns is often a brief one too: as few turns as the range allows.
  const shortest = faults.includes('too_short') && random() < 0.5
  const count = turnCount(random, brief.minTurns, brief.maxTurns, faults.includes('ends_with_user'), shortest)
  if (faults.includes('ends_with_user') && count % 2 === 0) faults.splice(faults.indexOf('ends_with_user'), 1)

  const exchanges = Math.ceil(count / 2)
  const turns: ConversationTurn[] = []
  const edgeAt = brief.edgeCase && exchanges >= 3 ? 1 + Math.floor(random() * (exchanges - 2)) : -1
  // Ungrounded, drifting off topic is a middle exchange about something else; with no room for one, the fault is dropped.
  const middle = Array.from({ length: Math.max(0, exchanges - 2) }, (_, i) => i + 1).filter((i) => i !== edgeAt)
  const driftAt = faults.includes('off_topic') && !facts.length && middle.length ? pick(random, middle) : -1
  if (faults.includes('off_topic') && !facts.length && driftAt < 0) faults.splice(faults.indexOf('off_topic'), 1)
  // The opening exchange and the edge case survive every fault: they carry what the prompt asked for.
  const kept = new Set<ConversationTurn>()
  for (let i = 0; i < exchanges; i++) {
    const words = w(details[i % details.length])
    const last = i === exchanges - 1
    let user: string
    let assistant: string
    if (i === 0) {
      user = sentences(pick(random, GREETINGS[mood])(words), pick(random, ASKS)(words), personaLine(random, brief, words))
      assistant = facts.length
        ? sentences(pick(random, LEAD_INS), ...factsFor(facts, i))
        : sentences(pick(random, EMPATHY[mood])(words), pick(random, exchanges > 2 ? FIRST_ANSWERS : DIRECT_ANSWERS)(words))
    } else if (i === driftAt) {
      ;[user, assistant] = pick(random, OFF_TOPIC).map((line) => line(words)) as [string, string]
    } else if (i === edgeAt) {
      user = edgeLine(brief.edgeCase!)
      assistant = facts.length ? sentences('I understand.', ...factsFor(facts, i)) : pick(random, EDGE_ANSWERS)(words)
    } else if (last && exchanges > 1) {
      user = pick(random, CLOSINGS[mood])(words)
      assistant = facts.length ? pick(random, SHORT_SIGN_OFFS) : pick(random, SIGN_OFFS)(words)
    } else if (facts.length) {
      user = pick(random, SOURCE_QUESTIONS)(words)
      assistant = sentences(pick(random, LEAD_INS), ...factsFor(facts, i))
    } else {
      user = pick(random, i % 2 ? USER_DETAILS : FOLLOW_UPS)(words)
      assistant = pick(random, i % 2 ? ADVICE : FOLLOW_UP_ANSWERS)(words)
    }
    turns.push({ role: 'user', content: user }, { role: 'assistant', content: assistant })
    if (i === 0) kept.add(turns[0]!).add(turns[1]!)
    if (i === edgeAt) kept.add(turns.at(-2)!)
  }
  applyFaults(random, faults, turns, { brief, w: w(), facts, kept })
  return { title: titleOf(random, brief, mood), turns: turns.slice(0, count), faults }
}

/** How often each fault is chosen, relative to the others, for a conversation that has faults. */
const FAULT_WEIGHTS: Record<Fault, number> = {
  repetitive: 3,
  too_short: 3,
  assistant_dominates: 2,
  user_dominates: 1.2,
  off_topic: 1.2,
  ends_with_user: 0.9,
  prompt_leakage: 1,
}
/** How many faults a conversation has, from none to four: most have one to three, as real output does. */
const FAULT_COUNTS = [0.05, 0.2, 0.3, 0.27, 0.18]

/** Which faults this conversation has, drawn without repeats; no ending on the user when the range has no odd count. */
function drawFaults(random: Random, brief: ConversationBrief): Fault[] {
  const n = weightedIndex(random, FAULT_COUNTS)
  const oddPossible = brief.minTurns < brief.maxTurns || brief.minTurns % 2 === 1
  const left = FAULTS.filter((fault) => fault !== 'ends_with_user' || oddPossible)
  const faults: Fault[] = []
  while (faults.length < n && left.length) {
    const i = weightedIndex(
      random,
      left.map((fault) => FAULT_WEIGHTS[fault]),
    )
    faults.push(...left.splice(i, 1))
  }
  // One speaker dominates, not both.
  if (faults.includes('assistant_dominates') && faults.includes('user_dominates')) faults.splice(faults.indexOf('user_dominates'), 1)
  return faults
}

function applyFaults(
  random: Random,
  faults: Fault[],
  turns: ConversationTurn[],
  { brief, w, facts, kept }: { brief: ConversationBrief; w: Words; facts: string[]; kept: Set<ConversationTurn> },
): void {
  const replies = turns.filter((t) => t.role === 'assistant')
  const questions = turns.filter((t) => t.role === 'user')
  const free = (list: ConversationTurn[]) => list.filter((t) => !kept.has(t))
  // Grounded, the assistant's faults stay within the source (a repeated fact, every fact at once), so only drifting off it costs grounding.
  const grounded = facts.length > 0
  for (const fault of faults) {
    if (fault === 'too_short') {
      const n = 3 + Math.floor(random() * 3)
      for (const turn of shuffle(random, free(turns)).slice(0, n)) turn.content = pick(random, TERSE[turn.role])
    } else if (fault === 'repetitive') {
      const parrot = grounded ? pick(random, facts) : pick(random, PARROTS)(w)
      const offer = grounded ? parrot : pick(random, OFFERS)(w)
      const complaint = pick(random, COMPLAINTS)(w)
      const heavy = random() < 0.8
      for (const turn of replies) turn.content = heavy ? `${parrot} ${turn.content} ${offer}` : `${parrot} ${turn.content}`
      if (heavy) for (const turn of questions) turn.content = `${turn.content} ${complaint}`
    } else if (fault === 'off_topic' && grounded) {
      // Grounded answers that wander off the source: the grounding score notices.
      for (const turn of replies.slice(1))
        turn.content = sentences(
          pick(random, LEAD_INS),
          ...shuffle(random, OFF_TOPIC)
            .slice(0, 2)
            .map(([, answer]) => answer(w)),
        )
    } else if (fault === 'prompt_leakage') {
      const turn = pick(random, replies)
      turn.content = `${turn.content} ${random() < 0.85 ? pick(random, OUT_OF_ROLE)(w) : leak(brief, w)}`
    } else if (fault === 'assistant_dominates') {
      const ramble = () => (grounded ? shuffle(random, [...facts, ...facts]) : shuffle(random, RAMBLE).map((line) => line(w)))
      for (const turn of replies) turn.content = sentences(turn.content, ...ramble().slice(0, 5 + Math.floor(random() * 4)))
      for (const turn of free(questions)) turn.content = pick(random, ['Ok, and?', 'Go on.', 'And then?', 'Right, what else?'])
    } else if (fault === 'user_dominates') {
      for (const turn of questions)
        turn.content = sentences(
          turn.content,
          ...shuffle(random, USER_RANT)
            .slice(0, 3 + Math.floor(random() * 3))
            .map((line) => line(w)),
        )
      for (const turn of free(replies)) turn.content = pick(random, ['Noted.', 'I see, go on.', 'Understood, thanks.', 'Okay.'])
    }
  }
}

/**
 * How many turns: an even number in the range (so the assistant has the last word), the minimum
 * when the range holds no even number; odd on purpose for a conversation that ends on the user.
 */
function turnCount(random: Random, min: number, max: number, oddWanted: boolean, shortest: boolean): number {
  const counts: number[] = []
  for (let n = Math.max(1, min); n <= max; n++) if (n >= 2 && n % 2 === (oddWanted ? 1 : 0)) counts.push(n)
  if (shortest && counts.length) return counts[0]!
  // Real conversations cluster in the lower half of the range.
  const usable = counts.filter((n) => n <= Math.max(min + 6, Math.ceil((min + max) / 2)))
  return usable.length ? pick(random, usable) : counts.length ? counts[0]! : min
}

/** A few words the conversation keeps coming back to: phrases of the source, else aspects of the topic. */
function detailsOf(brief: ConversationBrief, facts: string[]): string[] {
  const fromSource = facts.flatMap((fact) => nounPhrases(fact)).slice(0, 6)
  if (fromSource.length) return fromSource
  const head = brief.topic.split(/\s+/).at(-1) ?? ''
  const aspects = ['the timing', 'the first step', 'what changed recently', 'the exact steps']
  // "the refund itself", but not "the abroad itself".
  const noun = head.length >= 4 && !/(ly|ed|ing|abroad|again|now|online|today|here|there)$/i.test(head)
  return noun ? [`the ${head.toLowerCase()} itself`, ...aspects] : aspects
}

/** "the refund window" from "The refund window is 30 days": determiner, then up to three words. */
function nounPhrases(text: string): string[] {
  const out: string[] = []
  const re = /\b(?:the|a|an|your|our)\s+((?:[a-z][\p{L}-]*\s?){1,3})/giu
  for (let m = re.exec(text); m; m = re.exec(text)) {
    const words = m[1]!.trim().split(/\s+/)
    const stop = words.findIndex(
      (word) =>
        /^(is|are|was|were|be|can|will|must|may|might|should|has|have|does|goes|gets|takes|needs|comes|applies|works|means|and|or|but|of|to|in|on|for|with|by|at|from|within|into|after|before)$/i.test(
          word,
        ) || /(ed|ly)$/i.test(word),
    )
    const kept = (stop < 0 ? words : words.slice(0, stop)).join(' ')
    if (kept.length >= 4) out.push(`the ${kept.toLowerCase()}`)
  }
  return out
}

function wordsOf(brief: ConversationBrief, detail: string): Words {
  const topic = topicPhrase(brief.topic)
  const persona = brief.persona.trim()
  return {
    topic,
    Topic: capitalize(topic),
    persona,
    aPersona: persona ? `${/^(a|an|the)\s/i.test(persona) ? '' : /^[aeiou]/i.test(persona) ? 'an ' : 'a '}${persona}` : 'a customer',
    detail,
  }
}

/** The topic as it reads after "about": "the billing dispute", "repotting a fiddle leaf fig". */
function topicPhrase(topic: string): string {
  const t = topic.trim().replace(/[.!?]+$/, '')
  if (!t) return 'this'
  if (/^(a|an|the|my|our|your|this|that|some)\s/i.test(t) || /^\p{L}+ing\s+(a|an|the|my|your|our|his|her|their|some|up|out|for|to|with|on)\b/iu.test(t))
    return t
  return `the ${t.charAt(0).toLowerCase()}${t.slice(1)}`
}

function personaLine(random: Random, brief: ConversationBrief, w: Words): string {
  if (!brief.persona.trim()) return ''
  const notes = PERSONA_NOTES.find(([re]) => re.test(brief.persona))?.[1]
  const intro = pick(random, PERSONA_INTROS)(w)
  return notes && random() < 0.7 ? `${intro} ${pick(random, notes)(w)}` : intro
}

/** The edge case in the user's own voice: "The user threatens to leave" becomes "I threaten to leave". */
function edgeLine(description: string): string {
  const firstPerson = description
    .trim()
    .replace(
      /^(?:the\s+)?(?:user|customer|client|caller)\s+(\w+?)(e?s)\b/i,
      (_, verb: string, ending: string) => `I ${verb}${ending === 'es' && !/(sh|ch|ss|x)$/.test(verb) ? 'e' : ''}`,
    )
    .replace(/\band\s+(\w+?)s\b/g, 'and $1')
    .replace(/\b(?:his|her|their)\b/gi, 'my')
  return firstPerson.startsWith('I ') ? `Actually, ${firstPerson.charAt(0)}${firstPerson.slice(1)}` : `One more thing: ${lowerFirst(firstPerson)}`
}

const TITLES: Array<(w: Words, mood: Mood) => string> = [
  (w, mood) => (w.persona ? `${w.Topic}: ${mood === 'calm' ? '' : `${mood} `}${w.persona}` : `${w.Topic}`),
  (w) => `Helping ${w.aPersona} with ${w.topic}`,
  (w) => `${w.Topic}, step by step`,
  (w, mood) => `${/^[aeiou]/.test(mood) ? 'An' : 'A'} ${mood} question about ${w.topic}`,
  (w) => `Sorting out ${w.topic}`,
]

function titleOf(random: Random, brief: ConversationBrief, mood: Mood): string {
  return capitalize(pick(random, TITLES)(wordsOf(brief, ''), mood))
}

/** The source's sentences in a seeded order, headings and fragments dropped. */
function sourceSentences(source: string, random: Random): string[] {
  const all = source
    .split(/(?<=[.!?])\s+|\n+/)
    .map((s) => s.trim())
    .filter((s) => /\p{L}/u.test(s) && !s.startsWith('#') && s.split(/\s+/).length >= 3)
  return shuffle(random, all)
}

function factsFor(facts: string[], exchange: number): string[] {
  const first = facts[(exchange * 2) % facts.length]!
  const second = facts[(exchange * 2 + 1) % facts.length]!
  return second === first ? [first] : [first, second]
}

/** An index drawn with probability proportional to its weight. */
function weightedIndex(random: Random, weights: readonly number[]): number {
  let r = random() * weights.reduce((sum, weight) => sum + weight, 0)
  for (let i = 0; i < weights.length; i++) {
    r -= weights[i]!
    if (r < 0) return i
  }
  return weights.length - 1
}

function sentences(...parts: string[]): string {
  return parts.filter(Boolean).join(' ')
}

function pick<T>(random: Random, items: readonly T[]): T {
  const item = items[Math.floor(random() * items.length)]
  if (item === undefined) throw new Error('pick() needs a non-empty list')
  return item
}

export function shuffle<T>(random: Random, items: readonly T[]): T[] {
  return items
    .map((item) => ({ item, key: random() }))
    .sort((a, b) => a.key - b.key)
    .map(({ item }) => item)
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1)
}

function lowerFirst(text: string): string {
  return /^[A-Z][a-z]/.test(text) ? text.charAt(0).toLowerCase() + text.slice(1) : text
}
