/**
 * 组织关系转接 (transferring a member's Party relationship) as data.
 *
 * Source: local practice. An introduction letter (党员组织关系介绍信) carries a validity period
 * and a return slip (回执) the receiving organisation sends back; the period differs between
 * provinces and organisations (one to three months are common), so it is a setting here, not a
 * rule of the Party. 90 days is the project's default. A deployment sets its own with
 * ZHIBU_TRANSFER_LETTER_DAYS (src/env.ts).
 *
 * A letter that expires without a 回执 leaves a member whom no branch looks after (口袋党员):
 * the daily transfers job (src/jobs/transfers.ts) tells the sending branch's 书记 once.
 */

/** Days an introduction letter is valid, counted from the day it is issued (that day included). */
export const DEFAULT_TRANSFER_LETTER_DAYS = 90;

/** Longest accepted validity a deployment may set. */
export const MAX_TRANSFER_LETTER_DAYS = 366;

/** Local hour of the daily check for letters expired without a 回执. */
export const TRANSFER_CHECK_HOUR = 9;
