/**
 * Study (学习) rules as data. Source: 中国共产党党员教育管理工作条例 (2019) art. 14: 党员每年
 * 集中学习培训时间一般不少于 32 学时 — the yearly target, configurable.
 */
export const YEARLY_STUDY_HOURS_TARGET = 32;

/**
 * Meeting types whose attendance (checked in) also counts toward study hours, and how: the
 * meeting's duration in hours, rounded down to half hours. Branches may change this list.
 */
export const MEETING_TYPES_COUNTING_AS_STUDY = ["lecture", "theme-day"] as const;

/** Longest 学习心得 kept, in characters. */
export const REFLECTION_MAX = 500;

/** 学时 a task may credit: half-hour steps from 0.5 to 40. */
export const STUDY_HOURS_MIN = 0.5;
export const STUDY_HOURS_MAX = 40;

/** Reminder before the deadline (group mention + a DM each), as minutes before the deadline's end. */
export const STUDY_REMINDER_MINUTES_BEFORE = 24 * 60;
