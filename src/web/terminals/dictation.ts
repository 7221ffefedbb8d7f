// Voice input (issue 22 §2), DOM-free: which browser speech recogniser there is (the Web Speech API's
// SpeechRecognition, prefixed in Chrome and Safari; none in Firefox or a headless Chromium), and what
// of its results to type — each final result once, the way dictation fills a text field. Chrome on
// Android hands back results already typed in later events (and repeats a final one), so results are
// typed by their index, once.

/** The part of a recogniser's result list this needs (SpeechRecognitionResultList). */
export interface RecognitionResults {
  readonly length: number;
  [index: number]: { readonly isFinal: boolean; readonly length: number; [alternative: number]: { readonly transcript: string } };
}

/** The global the recogniser's constructor is on, in the browser: `window`. */
export interface SpeechGlobal {
  SpeechRecognition?: unknown;
  webkitSpeechRecognition?: unknown;
}

/** The recogniser's constructor, or null where the browser has none (the microphone key hides). */
export function speechRecognitionOf<T>(global: SpeechGlobal): (new () => T) | null {
  const constructor = global.SpeechRecognition ?? global.webkitSpeechRecognition;
  return typeof constructor === 'function' ? (constructor as new () => T) : null;
}

/** One dictation: what to type as results come in. */
export class Dictation {
  private readonly typed = new Set<number>();
  private wrote = false;

  /** The text of results that became final since the last call (none twice), joined by spaces; '' when none. */
  take(results: RecognitionResults): string {
    const parts: string[] = [];
    for (let index = 0; index < results.length; index++) {
      const result = results[index];
      if (!result?.isFinal || this.typed.has(index)) continue;
      this.typed.add(index);
      const text = (result[0]?.transcript ?? '').trim();
      if (text) parts.push(text);
    }
    if (parts.length === 0) return '';
    // Words from an earlier result are already there: a space between.
    const text = `${this.wrote ? ' ' : ''}${parts.join(' ')}`;
    this.wrote = true;
    return text;
  }
}

/** What a recogniser's error (SpeechRecognitionErrorEvent.error) means for the person. */
export interface DictationProblem {
  /** Null: nothing to say (they stopped, or said nothing). */
  message: string | null;
  /** The recogniser cannot work in this browser at all: the key goes for the rest of the page. */
  unavailable: boolean;
}

const KEYBOARD_DICTATION = "the on-screen keyboard's own microphone types into the terminal too";

/** The words for a recogniser's error, and whether trying again could help. */
export function dictationProblem(error: string): DictationProblem {
  switch (error) {
    case 'aborted':
    case 'no-speech':
      return { message: null, unavailable: false };
    case 'not-allowed':
      return { message: 'Dictation needs the microphone: allow it for this site in the browser, then tap 🎤 again.', unavailable: false };
    case 'audio-capture':
      return { message: 'No microphone was found: connect one, or use the keyboard.', unavailable: false };
    case 'network':
      // Chrome sends speech to a service; a browser without one (Chromium builds) fails this way every time.
      return { message: `Dictation could not reach this browser's speech service (some browsers, such as Chromium builds, have none); ${KEYBOARD_DICTATION}.`, unavailable: true };
    case 'service-not-allowed':
    case 'language-not-supported':
      return { message: `This browser offers no speech recognition here; ${KEYBOARD_DICTATION}.`, unavailable: true };
    default:
      return { message: `Dictation stopped (${error}); tap 🎤 to try again.`, unavailable: false };
  }
}
