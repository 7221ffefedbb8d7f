import { describe, expect, it } from 'vitest';
import { Dictation, dictationProblem, speechRecognitionOf, type RecognitionResults } from '../../../src/web/terminals/dictation.js';

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

describe('dictationProblem', () => {
  it('says nothing when the person stopped or said nothing', () => {
    expect(dictationProblem('aborted')).toEqual({ message: null, unavailable: false });
    expect(dictationProblem('no-speech')).toEqual({ message: null, unavailable: false });
  });

  it('asks for the microphone, and keeps the key, when it was refused', () => {
    const problem = dictationProblem('not-allowed');
    expect(problem.message).toMatch(/allow it for this site/);
    expect(problem.unavailable).toBe(false);
  });

  it('takes the key away where the browser has no speech service, and points to the keyboard', () => {
    for (const error of ['network', 'service-not-allowed', 'language-not-supported']) {
      const problem = dictationProblem(error);
      expect(problem.unavailable).toBe(true);
      expect(problem.message).toMatch(/keyboard's own microphone/);
    }
  });

  it('names an unknown error and says to try again', () => {
    expect(dictationProblem('bad-grammar')).toEqual({ message: 'Dictation stopped (bad-grammar); tap 🎤 to try again.', unavailable: false });
  });
});
