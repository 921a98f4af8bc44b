/** A person as lists show them: their open id and their name in the branch (the id if unnamed). */
export interface PersonRef {
  openId: string;
  name: string;
}

/**
 * A phone number as every export and card shows it (only a secretary's private chat shows it
 * whole): the first 3 and last 4 digits of a mobile, "138****5678"; a shorter number keeps only
 * its last 2 characters.
 */
export function maskPhone(phone: string | null | undefined): string {
  const text = (phone ?? "").trim();
  if (text === "") return "";
  if (text.length >= 11) return `${text.slice(0, 3)}****${text.slice(-4)}`;
  return `${"*".repeat(Math.max(0, text.length - 2))}${text.slice(-2)}`;
}
