import { describe, expect, it } from 'vitest';
import { Dictation, speechRecognitionOf, type RecognitionResults } from '../../../src/web/terminals/dictation.js';

const results = (...list: Array<[string, boolean]>): RecognitionResults => list.map(([transcript, isFinal]) => ({ isFinal, length: 1, 0: { transcript } }));

describe('dictation', () => {
  it('finds the recogniser, prefixed or not, and none where there is none', () => {
    class Recogniser {}
    expect(speechRecognitionOf({ SpeechRecognition: Recogniser })).toBe(Recogniser);
    expect(speechRecognitionOf({ webkitSpeechRecognition: Recogniser })).toBe(Recogniser);
    expect(speechRecognitionOf({})).toBeNull();
    expect(speechRecognitionOf({ SpeechRecognition: 'no' })).toBeNull();
  });

  it('types each final result once, nothing of interim ones, with a space between results', () => {
    const dictation = new Dictation();
    expect(dictation.take(results(['list the', false]))).toBe('');
    expect(dictation.take(results([' list the files ', true]))).toBe('list the files');
    // Chrome on Android repeats the final result in the next event, with the new one.
    expect(dictation.take(results([' list the files ', true], ['in src', false]))).toBe('');
    expect(dictation.take(results([' list the files ', true], ['in src', true]))).toBe(' in src');
    expect(dictation.take(results([' list the files ', true], ['in src', true]))).toBe('');
  });

  it('skips empty results', () => {
    const dictation = new Dictation();
    expect(dictation.take(results(['  ', true]))).toBe('');
    expect(dictation.take(results(['  ', true], ['hello', true]))).toBe('hello');
  });
});
