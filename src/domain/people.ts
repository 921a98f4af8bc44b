/** A person as lists show them: their open id and their name in the branch (the id if unnamed). */
export interface PersonRef {
  openId: string;
  name: string;
}
