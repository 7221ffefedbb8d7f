// Files into a terminal's current directory: dropped on it, pasted into it, or chosen with the
// toolbar's "Upload files…" (the only way on a phone). POST /api/terminals/:id/files (docs/api.md).
// Images pasted, or picked with the key bar's Image key, are for a prompt (issue 22 §2): they go into
// the repository's .shellport/uploads (`into=uploads`) and their path is typed at the cursor, as a
// paste and without Enter, so that an agent there reads them.
import type { TerminalInfo } from '../../shared/terminals.js';
import { formatBytes } from '../../shared/units.js';
import { errorFromBody } from '../app/api.js';
import { toast, updateToast } from '../app/toast.js';
import { askDialog } from '../app/dialog.js';
import { h } from '../app/dom.js';
import { shellWord } from './shell-word.js';
import './upload.css';

/** What uploads need of a terminal view. */
export interface UploadTarget {
  readonly element: HTMLElement;
  readonly terminal: TerminalInfo;
  /** Types text as a paste (bracketed where the program asked for it): a prompt upload's path. */
  readonly term: { paste(data: string): void };
  focus(): void;
}

/** Where a file goes: the shell's current directory, or `.shellport/uploads` with its path typed (a prompt's). */
type UploadPlace = 'cwd' | 'prompt';


interface UploadAnswer {
  status: number;
  body: unknown;
}

interface SavedFile {
  name: string;
  path: string;
  bytes: number;
}

/** Highlights the terminal while files are dragged over it, and uploads what is dropped or pasted there (until its element goes). */
export function enableFileUploads(target: UploadTarget): void {
  const { element } = target;
  const overlay = h('div', { class: 'term-drop', hidden: true }, "Drop to upload into the shell's current directory");
  element.append(overlay);
  // dragenter and dragleave come for every child crossed: only the count says when the drag left.
  let depth = 0;
  const carriesFiles = (event: DragEvent) => event.dataTransfer?.types.includes('Files') ?? false;
  const show = (dropping: boolean) => {
    overlay.hidden = !dropping;
    element.classList.toggle('term-dropping', dropping);
  };
  const onEnter = (event: DragEvent) => {
    if (!carriesFiles(event)) return;
    event.preventDefault();
    depth++;
    show(true);
  };
  const onOver = (event: DragEvent) => {
    if (!carriesFiles(event)) return;
    event.preventDefault(); // without it, the browser would open the file instead of dropping it here
    if (event.dataTransfer) event.dataTransfer.dropEffect = 'copy';
  };
  const onLeave = (event: DragEvent) => {
    if (!carriesFiles(event)) return;
    depth = Math.max(0, depth - 1);
    if (depth === 0) show(false);
  };
  const onDrop = (event: DragEvent) => {
    depth = 0;
    show(false);
    if (!carriesFiles(event) || !event.dataTransfer) return;
    event.preventDefault();
    event.stopPropagation();
    const items = [...event.dataTransfer.items];
    const folders = items.filter((item) => item.kind === 'file' && item.webkitGetAsEntry?.()?.isDirectory).map((item) => item.getAsFile()?.name);
    const files = [...event.dataTransfer.files].filter((file) => !folders.includes(file.name));
    if (folders.length > 0) toast(`Folders cannot be uploaded (${folders.join(', ')}): drop the files in them, or an archive.`, 'error');
    void uploadFiles(target, files);
  };
  // Captured before xterm's textarea sees the paste: files go up, text is pasted as usual. Images
  // (a screenshot, a photo) are for the prompt: their path is typed where the cursor is.
  const onPaste = (event: ClipboardEvent) => {
    const files = [...(event.clipboardData?.files ?? [])];
    if (files.length === 0) return;
    event.preventDefault();
    event.stopPropagation();
    void (async () => {
      await uploadFiles(target, files.filter((file) => !isImage(file)));
      await uploadFiles(target, files.filter(isImage), 'prompt');
    })();
  };
  element.addEventListener('dragenter', onEnter);
  element.addEventListener('dragover', onOver);
  element.addEventListener('dragleave', onLeave);
  element.addEventListener('drop', onDrop);
  element.addEventListener('paste', onPaste, true);
}

const isImage = (file: File) => file.type.startsWith('image/');

/** Opens the browser's file picker (several files at once) and uploads the chosen files into the terminal. */
export function chooseFilesToUpload(target: UploadTarget): void {
  pickFiles(target, '', 'cwd');
}

/** Opens the picker for images (a phone offers its camera and photos) for the prompt: their paths are typed at the cursor. */
export function chooseImagesForPrompt(target: UploadTarget): void {
  pickFiles(target, 'image/*', 'prompt');
}

function pickFiles(target: UploadTarget, accept: string, place: UploadPlace): void {
  const done = () => input.remove();
  const input = h('input', {
    type: 'file',
    multiple: true,
    hidden: true,
    class: 'term-upload-input',
    ...(accept ? { accept } : {}),
    onchange: () => {
      const files = [...(input.files ?? [])];
      done();
      void uploadFiles(target, files, place);
    },
    oncancel: done,
  });
  target.element.append(input);
  input.click();
}

/** Uploads one file after another, each with its progress in a toast; a name already taken asks first. */
export async function uploadFiles(target: UploadTarget, files: File[], place: UploadPlace = 'cwd'): Promise<void> {
  if (files.length === 0) return;
  if (target.terminal.status !== 'active') {
    toast('This terminal has ended: start it again to upload files into it.', 'error');
    return;
  }
  for (const file of files) await uploadOne(target, file, place);
  target.focus();
}

async function uploadOne(target: UploadTarget, file: File, place: UploadPlace): Promise<void> {
  const key = `upload-${target.terminal.id}-${Math.random().toString(36).slice(2)}`;
  toast(`Uploading ${file.name}…`, 'info', key);
  let overwrite = false;
  for (;;) {
    let answer: UploadAnswer;
    try {
      answer = await send(target.terminal.id, file, { overwrite, place }, (loaded) => {
        updateToast(key, `Uploading ${file.name}: ${percent(loaded, file.size)} of ${formatBytes(file.size)}…`);
      });
    } catch {
      updateToast(key, `Uploading ${file.name} failed: the connection to Shellport dropped. Check it, then try again.`, 'error');
      return;
    }
    if (answer.status === 201) {
      const saved = (answer.body as { file: SavedFile }).file;
      if (place === 'prompt') {
        // A space after it: the next word typed is not glued to the path.
        target.term.paste(`${shellWord(saved.path)} `);
        updateToast(key, `Uploaded ${file.name} to ${saved.path}; its path is at the cursor.`, 'success');
      } else {
        updateToast(key, `Uploaded ${file.name} (${formatBytes(saved.bytes)}) to ${saved.path}`, 'success');
      }
      return;
    }
    const error = errorFromBody(answer.status, answer.body);
    if (error.code !== 'file_exists' || overwrite) {
      updateToast(key, `Uploading ${file.name} failed: ${error.message}`, 'error');
      return;
    }
    const path = (error.details as { path?: string } | undefined)?.path ?? file.name;
    updateToast(key, `${file.name} is already there…`);
    const { value } = await askDialog(target.element.closest<HTMLElement>('.term-screen') ?? document.body, {
      title: `Replace ${file.name}?`,
      message: `${path} already exists. Replacing it loses what it holds now.`,
      buttons: [
        { value: 'cancel', label: 'Keep it', cancel: true },
        { value: 'replace', label: 'Replace', variant: 'danger' },
      ],
    });
    if (value !== 'replace') {
      updateToast(key, `Kept ${path}; ${file.name} was not uploaded.`);
      return;
    }
    overwrite = true;
    updateToast(key, `Uploading ${file.name}…`);
  }
}

/** XMLHttpRequest rather than fetch: it reports upload progress. Rejects only when the connection fails. */
function send(terminalId: string, file: File, { overwrite, place }: { overwrite: boolean; place: UploadPlace }, onProgress: (loaded: number) => void): Promise<UploadAnswer> {
  return new Promise((resolve, reject) => {
    const query = new URLSearchParams({ name: file.name, ...(overwrite ? { overwrite: 'true' } : {}), ...(place === 'prompt' ? { into: 'uploads' } : {}) });
    const request = new XMLHttpRequest();
    request.open('POST', `/api/terminals/${encodeURIComponent(terminalId)}/files?${query}`);
    // Otherwise the browser sends the file's own type (image/png…), which the route does not take.
    request.setRequestHeader('content-type', 'application/octet-stream');
    request.setRequestHeader('accept', 'application/json');
    request.responseType = 'json';
    let shown = -1;
    request.upload.addEventListener('progress', (event) => {
      const step = Math.floor((event.loaded / Math.max(1, file.size)) * 100);
      if (step === shown) return;
      shown = step;
      onProgress(event.loaded);
    });
    request.addEventListener('load', () => resolve({ status: request.status, body: request.response as unknown }));
    request.addEventListener('error', () => reject(new Error('network error')));
    request.addEventListener('abort', () => reject(new Error('aborted')));
    request.send(file);
  });
}

function percent(loaded: number, total: number): string {
  return `${total === 0 ? 100 : Math.min(100, Math.floor((loaded / total) * 100))}%`;
}
