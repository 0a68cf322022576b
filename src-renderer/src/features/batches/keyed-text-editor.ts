import type { ICellEditorComp, ICellEditorParams } from 'ag-grid-community';

/**
 * The text editor of the batch grid. AG Grid's own text editor selects its whole text when Tab brings the cursor
 * in (`focusIn`), and that can happen a moment after the editor already took keystrokes: a clerk typing ahead
 * ("Tab 1001") lost the first characters. This one selects only what was there before anything was typed, so
 * type-ahead is never lost; otherwise it behaves like the built-in editor (a printable key replaces the value,
 * Enter/F2 edit it, Backspace/Delete clear it).
 */
export class KeyedTextEditor implements ICellEditorComp {
  protected wrapper!: HTMLDivElement;
  protected input!: HTMLInputElement;
  protected typed = false;
  private selectAll = true;

  /** Builds the input with its start value from how the edit started. */
  init(params: ICellEditorParams): void {
    const wrapper = document.createElement('div');
    wrapper.className = 'ag-cell-edit-wrapper';
    const field = document.createElement('div');
    field.className = 'ag-cell-editor ag-input-field ag-text-field';
    const inputWrapper = document.createElement('div');
    inputWrapper.className = 'ag-wrapper ag-input-wrapper ag-text-field-input-wrapper';
    const input = document.createElement('input');
    input.type = 'text';
    input.className = 'ag-input-field-input ag-text-field-input';
    input.autocomplete = 'off';
    input.spellcheck = false;
    input.setAttribute('aria-label', `${params.colDef.headerName ?? 'Cell'} editor`);
    inputWrapper.appendChild(input);
    field.appendChild(inputWrapper);
    wrapper.appendChild(field);

    const start = params.value === null || params.value === undefined ? '' : String(params.value as string);
    if (params.cellStartedEdit) {
      const key = params.eventKey;
      if (key === 'Backspace' || key === 'Delete') input.value = '';
      else if (key && key.length === 1) {
        input.value = key;
        this.typed = true;
      } else {
        input.value = start;
        this.selectAll = key !== 'F2';
      }
    } else {
      input.value = start;
    }
    input.addEventListener('input', () => {
      this.typed = true;
    });
    this.wrapper = wrapper;
    this.input = input;
  }

  /** The editor's element. */
  getGui(): HTMLElement {
    return this.wrapper;
  }

  /**
   * Puts the cursor in the input. The grid edits one cell at a time and every edit is the clerk's (typing, Enter,
   * Tab, or a new entry), so the editor always takes the focus; otherwise keys would land on the cell.
   */
  afterGuiAttached(): void {
    this.input.focus();
    this.placeCaret();
  }

  /** Called when Tab arrives in this cell: select the old value, unless keys were already typed into it. */
  focusIn(): void {
    this.input.focus();
    this.placeCaret();
  }

  /** The text as typed; the service parses it. */
  getValue(): string {
    return this.input.value;
  }

  private placeCaret(): void {
    if (!this.typed && this.selectAll) this.input.select();
    else {
      const end = this.input.value.length;
      this.input.setSelectionRange(end, end);
    }
  }
}
