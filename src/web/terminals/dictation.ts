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
