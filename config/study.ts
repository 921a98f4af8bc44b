/**
 * Study (学习) rules as data. Source: 中国共产党党员教育管理工作条例 (2019) art. 14: 党员每年
 * 集中学习培训时间一般不少于 32 学时 — the yearly target, configurable.
 */
export const YEARLY_STUDY_HOURS_TARGET = 32;

/**
 * Whether 学习任务 confirmed alone (个人自学) count toward the 32 学时. Source: the same art. 14
 * counts 集中学习培训 (党课, 专题培训, organised study) only; some Party committees' local rules
 * also credit 个人自学 or 网络学习 — a branch under such a rule sets this to true. Either way
 * `/我的` shows both figures.
 */
export const SELF_STUDY_COUNTS_TOWARD_TARGET = false;

/**
 * Meeting types whose attendance (checked in) counts as 集中学习培训 toward the 32 学时, and how:
 * the meeting's duration in hours, rounded down to half hours. Branches may change this list.
 */
export const MEETING_TYPES_COUNTING_AS_STUDY = ["lecture", "theme-day"] as const;

/** Longest 学习心得 kept, in characters. */
export const REFLECTION_MAX = 500;

/** 学时 a task may credit: half-hour steps from 0.5 to 40. */
export const STUDY_HOURS_MIN = 0.5;
export const STUDY_HOURS_MAX = 40;

/** Reminder before the deadline (group mention + a DM each), as minutes before the deadline's end. */
export const STUDY_REMINDER_MINUTES_BEFORE = 24 * 60;
