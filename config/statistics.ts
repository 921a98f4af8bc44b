/**
 * When the organisation roll-up (`/统计 党委`) names a branch's participation or study completion
 * as a reason for attention. These are not rules of the Party: no regulation sets a minimum rate
 * (党支部工作条例 asks members to take part, 中国共产党党员教育管理工作条例 to study), so they are
 * this project's defaults for "worth a look", to change per deployment here.
 */
export const ATTENTION = {
  /** 参会率 (实到/应到 of closed meetings) below this. */
  participationBelow: 0.8,
  /** 学习完成率 (confirmations / frozen scope) below this. */
  studyBelow: 0.8,
} as const;
