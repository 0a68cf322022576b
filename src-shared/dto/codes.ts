/** A reason code, action owner code or reversal reason. */
export type ReasonCodeDto = {
  domainId: number;
  id: number;
  label: string;
  help: string;
  glId: number | null;
  active: boolean;
};
