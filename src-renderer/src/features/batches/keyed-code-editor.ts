import type { ICellEditorParams } from 'ag-grid-community';
import { KeyedTextEditor } from './keyed-text-editor';

export type CodeOption = { code: string; label: string };

let listSeq = 0;

/**
 * The editor of a code-list custom cell: the keyed text input (so type-ahead and Tab work as in every other cell)
 * with a list of the configured codes under it. Typing narrows the list (code prefix or a word of the label) and
 * marks the first match; ArrowDown/ArrowUp walk the list and put the code in the input; Enter or Tab keeps it;
 * Escape cancels; a click picks a code. Text that matches no code is kept as typed and the service marks the
 * entry invalid, as for any other bad cell.
 */
export class KeyedCodeEditor extends KeyedTextEditor {
  private codes: CodeOption[] = [];
  private shown: CodeOption[] = [];
  private active = -1;
  private list!: HTMLUListElement;
  private stop: () => void = () => undefined;

  override init(params: ICellEditorParams & { codes?: CodeOption[] }): void {
    super.init(params);
    this.codes = params.codes ?? [];
    this.stop = () => params.stopEditing();
    const list = document.createElement('ul');
    list.id = `code-list-${++listSeq}`;
    list.setAttribute('role', 'listbox');
    list.setAttribute('aria-label', `${params.colDef.headerName ?? 'Code'} codes`);
    list.className = 'paydesk-code-list';
    Object.assign(list.style, {
      position: 'fixed',
      zIndex: '1500',
      margin: '0',
      padding: '4px 0',
      listStyle: 'none',
      maxHeight: '220px',
      overflowY: 'auto',
      background: '#fff',
      color: 'rgba(0,0,0,0.87)',
      border: '1px solid rgba(0,0,0,0.18)',
      borderRadius: '4px',
      boxShadow: '0 4px 12px rgba(0,0,0,0.18)',
      font: '13px system-ui, sans-serif',
      minWidth: '180px',
    });
    // A click must not take the focus from the input (the grid would end the edit before the pick is seen).
    list.addEventListener('mousedown', (e) => {
      e.preventDefault();
      const item = (e.target as HTMLElement).closest('li');
      const index = item ? Number(item.dataset.index) : -1;
      const option = this.shown[index];
      if (!option) return;
      this.input.value = option.code;
      this.stop();
    });
    this.list = list;
    this.input.setAttribute('role', 'combobox');
    this.input.setAttribute('aria-autocomplete', 'list');
    this.input.setAttribute('aria-controls', list.id);
    this.input.setAttribute('aria-expanded', 'true');
    this.input.addEventListener('input', () => this.filter(true));
    this.input.addEventListener('keydown', (e) => {
      if (e.key !== 'ArrowDown' && e.key !== 'ArrowUp') return;
      // The grid would otherwise move to the row above or below and end the edit.
      e.preventDefault();
      e.stopPropagation();
      if (this.shown.length === 0) return;
      const step = e.key === 'ArrowDown' ? 1 : -1;
      this.mark((this.active + step + this.shown.length) % this.shown.length);
      const option = this.shown[this.active];
      if (option) this.input.value = option.code;
      this.typed = true;
    });
    this.filter(this.typed);
  }

  override afterGuiAttached(): void {
    document.body.appendChild(this.list);
    const cell = this.wrapper.getBoundingClientRect();
    const below = window.innerHeight - cell.bottom;
    this.list.style.left = `${Math.round(cell.left)}px`;
    this.list.style.minWidth = `${Math.max(180, Math.round(cell.width))}px`;
    // Open upwards near the bottom of the window (the totals row and the last entries sit there).
    if (below < 230) this.list.style.bottom = `${Math.round(window.innerHeight - cell.top + 2)}px`;
    else this.list.style.top = `${Math.round(cell.bottom + 2)}px`;
    super.afterGuiAttached();
  }

  /** The code as configured when the text names one (any case), else the marked match, else the text as typed. */
  override getValue(): string {
    const text = this.input.value.trim();
    if (text === '') return '';
    const exact = this.codes.find((c) => c.code.toLowerCase() === text.toLowerCase());
    if (exact) return exact.code;
    return this.shown[this.active]?.code ?? this.input.value;
  }

  destroy(): void {
    this.list.remove();
  }

  /** Shows the codes that fit what was typed (all of them when nothing was), marking the current or first one. */
  private filter(typed: boolean): void {
    const text = this.input.value.trim().toLowerCase();
    this.shown =
      typed && text
        ? this.codes.filter(
            (c) =>
              c.code.toLowerCase().startsWith(text) ||
              c.label
                .toLowerCase()
                .split(/\s+/)
                .some((w) => w.startsWith(text)),
          )
        : this.codes;
    this.list.replaceChildren(
      ...this.shown.map((c, i) => {
        const li = document.createElement('li');
        li.id = `${this.list.id}-${i}`;
        li.dataset.index = String(i);
        li.dataset.code = c.code;
        li.setAttribute('role', 'option');
        li.style.padding = '4px 12px';
        li.style.cursor = 'pointer';
        li.style.whiteSpace = 'nowrap';
        const code = document.createElement('b');
        code.textContent = c.code;
        code.style.display = 'inline-block';
        code.style.minWidth = '3em';
        li.append(code, ` ${c.label}`);
        return li;
      }),
    );
    if (this.shown.length === 0) {
      const li = document.createElement('li');
      li.textContent = 'No code matches';
      li.style.padding = '4px 12px';
      li.style.color = 'rgba(0,0,0,0.54)';
      this.list.append(li);
    }
    const current = this.shown.findIndex((c) => c.code.toLowerCase() === text);
    this.mark(current >= 0 ? current : typed && text && this.shown.length ? 0 : -1);
  }

  private mark(index: number): void {
    this.active = index;
    for (const li of this.list.querySelectorAll<HTMLLIElement>('li[role="option"]')) {
      const on = Number(li.dataset.index) === index;
      li.setAttribute('aria-selected', String(on));
      li.style.background = on ? 'rgba(25,118,210,0.14)' : '';
      if (on) li.scrollIntoView({ block: 'nearest' });
    }
    if (index >= 0) this.input.setAttribute('aria-activedescendant', `${this.list.id}-${index}`);
    else this.input.removeAttribute('aria-activedescendant');
  }
}
