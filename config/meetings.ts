/**
 * Meeting types of 三会一课 and related organisational life, with the minimum frequency each is
 * required at. Sources: 中国共产党支部工作条例（试行）arts. 11–13, 16; 中国共产党党员教育管理工作条例
 * arts. 16–20. The 条例 fixes no number of 党课 for a branch: once a quarter is common practice.
 */
export const MEETING_TYPES = [
  {
    id: "branch-assembly",
    zh: "支部党员大会",
    en: "Branch assembly",
    required: { per: "quarter", count: 1 },
  },
  { id: "committee", zh: "支委会", en: "Committee meeting", required: { per: "month", count: 1 } },
  { id: "group", zh: "党小组会", en: "Party group meeting", required: { per: "month", count: 1 } },
  { id: "lecture", zh: "党课", en: "Party lecture", required: { per: "quarter", count: 1 } },
  { id: "theme-day", zh: "主题党日", en: "Theme Party day", required: { per: "month", count: 1 } },
  {
    id: "life-meeting",
    zh: "组织生活会",
    en: "Organisational life meeting",
    required: { per: "year", count: 1 },
  },
  { id: "other", zh: "其他", en: "Other", required: null },
] as const;

/** Default meeting length when none is given, in minutes. */
export const DEFAULT_MEETING_MINUTES = 90;

/** The 签到 button appears this many minutes before the start and stays until the end. */
export const CHECKIN_OPENS_MINUTES_BEFORE = 30;
