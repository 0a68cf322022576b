/** Why a new password does not meet the rules (at least 10 characters, not containing the login), or null. */
export function newPasswordProblem(password: string, login: string): string | null {
  if (password.length < 10) return 'At least 10 characters';
  if (login.trim() && password.toLowerCase().includes(login.trim().toLowerCase()))
    return 'Must not contain the login';
  return null;
}
