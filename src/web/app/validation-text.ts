// Turns the server's validation details ({ field, message } from zod) into sentences an owner can
// act on: "Font size must be at most 32." rather than "fontSize: Too big: expected number to be <=32".
// Imports nothing, so the unit tests can run it without a browser.

export interface FieldProblem {
  field: string;
  message: string;
}

const TYPE_NAMES: Record<string, string> = {
  number: 'a number',
  int: 'a whole number',
  string: 'text',
  boolean: 'true or false',
  array: 'a list',
  object: 'an object',
};

/** "fontSize" → "Font size", "env.API_KEY" → "API_KEY"; "(body)" and "" name no field. */
export function humaniseFieldName(field: string): string | null {
  const last = field.split('.').pop() ?? '';
  if (last === '' || last === '(body)') return null;
  if (/^[A-Z0-9_]+$/.test(last)) return last;
  const words = last.replace(/[_-]+/g, ' ').replace(/([a-z0-9])([A-Z])/g, '$1 $2').toLowerCase().trim();
  return words.charAt(0).toUpperCase() + words.slice(1);
}

/**
 * What the value should be, from zod's default messages (zod 4); null for messages the server's schemas
 * wrote themselves, which already say what is expected ("an https:// git URL").
 */
function describeZodDefault(message: string): string | null {
  let match = /^Too (big|small): expected (\w+) to (?:be|have) ([<>]=?)(\S+)( \w+)?$/.exec(message);
  if (match) {
    const [, , type, operator, limit, unit = ''] = match;
    if (type === 'string' && operator === '>=' && limit === '1') return 'not be empty';
    const bound = { '<=': 'at most', '<': 'less than', '>=': 'at least', '>': 'more than' }[operator!] ?? operator;
    return `be ${bound} ${limit}${unit}`;
  }
  match = /^Invalid input: expected (\w+), received (\w+)$/.exec(message);
  if (match) return match[2] === 'undefined' ? 'be filled in' : `be ${TYPE_NAMES[match[1]!] ?? match[1]}`;
  match = /^Invalid option: expected one of (.+)$/.exec(message);
  if (match) return `be one of ${match[1]!.split('|').map((option) => option.replace(/^"|"$/g, '')).join(', ')}`;
  match = /^Unrecognized keys?: (.+)$/.exec(message);
  if (match) return `not include ${match[1]!.replace(/"/g, '')}: Shellport does not know it`;
  match = /^Invalid (?:string: must match pattern .*|UUID|URL|email address|input)$/.exec(message);
  if (match) return 'be in the right format';
  return null;
}

const capitalise = (text: string) => text.charAt(0).toUpperCase() + text.slice(1);
const sentence = (text: string) => (/[.!?]$/.test(text) ? text : `${text}.`);

/** One problem as a sentence: "Font size must be at most 32.", "Branch must be a git branch name (…)." */
export function describeFieldProblem({ field, message }: FieldProblem): string {
  const name = humaniseFieldName(field);
  const requirement = describeZodDefault(message);
  if (requirement) return sentence(`${name ?? 'The request'} must ${requirement}`);
  // The schemas' own messages name what is expected ("a workspace id"), or say what to do when no field applies.
  return sentence(name ? `${name} must be ${message}` : capitalise(message));
}

/** All problems, one sentence each. */
export function describeFieldProblems(problems: FieldProblem[]): string {
  return problems.map(describeFieldProblem).join(' ');
}
