// Simplified Chinese by default, English on demand; the choice is kept in localStorage, no reload needed.
const D = {
  skip: ["跳到主要内容", "Skip to content"],
  logout: ["退出", "Log out"],
  login: ["登录", "Log in"],
  username: ["用户名", "Username"],
  password: ["密码", "Password"],
  login_title: ["联动平台 登录", "liandong sign-in"],
  login_failed: ["登录失败", "Sign-in failed"],
  nav_seat: ["坐席工作台", "Seat workstation"],
  nav_unit: ["承办单位", "Unit workspace"],
  nav_supervisor: ["班长监控", "Supervisor"],
  nav_public: ["公开信息", "Public results"],
  seat_12345: ["12345 坐席", "12345 seat"],
  seat_110: ["110 接警席", "110 seat"],
  queue: ["待处理来电", "Waiting requests"],
  transfers_in: ["转来的诉求", "Incoming transfers"],
  to_visit: ["待回访工单", "Orders to visit"],
  incidents_open: ["处警中警单", "Open incidents"],
  intake: ["登记诉求", "Register a request"],
  new_request: ["新诉求", "New request"],
  channel: ["渠道", "Channel"],
  caller_phone: ["来电号码", "Caller number"],
  caller_name: ["来电人", "Caller name"],
  district: ["所在区县", "District"],
  location: ["地点", "Location"],
  content: ["诉求内容", "Request content"],
  save_request: ["登记", "Register"],
  current: ["当前诉求", "Current request"],
  none_selected: ["未选择诉求: 按 Alt+N 登记新诉求, 或从左侧队列选择。", "No request selected: Alt+N for a new one, or pick one from the queue."],
  create_wo: ["建工单", "Create work order"],
  create_incident: ["建警单", "Create incident"],
  transfer_to: ["一键转{p}", "Transfer to {p}"],
  negotiate: ["三方协商", "Three-way negotiation"],
  guidance: ["引导", "Guidance"],
  triage: ["分诊建议", "Triage decision"],
  triage_na: ["分诊服务暂不可用", "Triage is not available"],
  platform: ["平台", "Platform"],
  emergency: ["紧急", "Emergency"],
  uncertain: ["不确定, 建议协商", "Uncertain: consider negotiation"],
  confidence: ["置信度", "Confidence"],
  reasons: ["依据", "Reasons"],
  similar: ["相似历史案例", "Similar past cases"],
  knowledge: ["知识库答案", "Knowledge base"],
  nothing: ["暂无", "Nothing yet"],
  request_type: ["诉求类型", "Request type"],
  category: ["分类", "Category"],
  urgency: ["紧急程度", "Urgency"],
  unit: ["承办单位", "Handling unit"],
  unit_none: ["暂不派单", "Do not dispatch yet"],
  submit: ["提交", "Submit"],
  cancel: ["取消", "Cancel"],
  reason: ["理由", "Reason"],
  party: ["发言方", "Party"],
  note: ["说明", "Note"],
  incident_category: ["警情类别", "Incident category"],
  priority: ["优先级", "Priority"],
  jurisdiction: ["管辖单位", "Jurisdiction"],
  address: ["地址", "Address"],
  script: ["引导话术", "Guidance script"],
  referral_body: ["转介单位", "Refer to"],
  referral_phone: ["转介电话", "Referral phone"],
  referral_channel: ["转介渠道", "Referral channel"],
  satisfaction: ["满意度", "Satisfaction"],
  visit: ["回访", "Visit"],
  accept: ["接收", "Accept"],
  refuse: ["拒收", "Refuse"],
  respond_by: ["响应时限", "Respond by"],
  live_transfer: ["收到转来的诉求", "Transfer received"],
  emergency_transfer: ["紧急警情转入! 请立即处置", "EMERGENCY transfer received: act now"],
  shortcuts: ["快捷键: Alt+N 新诉求 · Alt+W 建单 · Alt+T 转办 · Alt+X 协商 · Alt+G 引导 · Alt+Q 队列 · Esc 关闭", "Keys: Alt+N new · Alt+W create · Alt+T transfer · Alt+X negotiate · Alt+G guidance · Alt+Q queue · Esc close"],
  saved: ["已保存", "Saved"],
  created_wo: ["已生成工单 {n}", "Work order {n} created"],
  created_incident: ["已生成警单 {n}", "Incident {n} created"],
  transferred: ["已转出, 等待对方接收", "Transferred; waiting for the other platform"],
  guided: ["已记录引导", "Guidance recorded"],
  orders: ["本单位工单", "Our work orders"],
  tab_open: ["待办", "To do"],
  tab_done: ["已办结", "Done"],
  overdue: ["已超期", "Overdue"],
  due: ["办理时限", "Due"],
  status: ["状态", "Status"],
  summary: ["诉求摘要", "Summary"],
  timeline: ["办理记录", "History"],
  opinion: ["办理意见", "Handling opinion"],
  until: ["延期至", "Extend until"],
  order_not_found: ["工单不存在或不属于本单位", "This work order does not exist or belongs to another unit"],
  escalate: ["提请110", "Escalate to 110"],
  select_order: ["请选择左侧工单", "Select an order on the left"],
  queue_status: ["实时队列", "Live queue"],
  seats: ["坐席状态", "Seat status"],
  online: ["在岗", "On duty"],
  offline: ["离线", "Off duty"],
  kpis: ["关键指标 (24小时)", "KPIs (24 hours)"],
  answer_rate: ["受理率", "Answer rate"],
  response: ["平均响应(分钟)", "Response (min)"],
  resolution: ["平均办结(小时)", "Resolution (h)"],
  on_time: ["按时办结率", "On-time rate"],
  hourly: ["每小时诉求量", "Requests per hour"],
  hotspots: ["区县热点", "Hotspots by district"],
  overdue_items: ["超期工单", "Overdue orders"],
  supervised_items: ["督办中工单", "Supervised orders"],
  linked: ["12345/110 联动事项", "Linked 12345/110 items"],
  supervise: ["督办", "Supervise"],
  waiting_12345: ["12345 待处理", "12345 waiting"],
  waiting_110: ["110 待处理", "110 waiting"],
  to_dispatch: ["待派单", "To dispatch"],
  returned: ["被退回", "Returned"],
  extension_requested: ["延期申请", "Extension requests"],
  open_orders: ["在办工单", "Open orders"],
  open_incidents: ["在办警单", "Open incidents"],
  public_title: ["12345 热线办理情况公开", "12345 hotline handling results"],
  public_intro: ["按承办单位公开的办理统计, 仅含汇总数字, 不含任何个人信息。", "Handling statistics by unit: aggregate numbers only, no personal data."],
  total: ["工单总数", "Work orders"],
  completed: ["已办结", "Completed"],
  open: ["办理中", "Open"],
  units: ["承办单位数", "Units"],
  updated: ["更新时间", "Updated"],
  negotiation: ["协商", "Negotiation"],
  deadline: ["协商时限", "Deadline"],
  add_note: ["添加意见", "Add note"],
  decide_for: ["由{p}受理", "{p} takes it"],
  unavailable: ["联动服务暂不可用", "Linkage is not available"],
  refused: ["已拒收", "Refused"],
  accepted_t: ["已接收", "Accepted"],
  error: ["出错了", "Error"],
  loading: ["加载中…", "Loading…"],
  work_order: ["工单", "Work order"],
  incident: ["警单", "Incident"],
  request: ["诉求", "Request"],
};

// Lifecycle states and actions, shown as the glossary names them.
const LABELS = {
  accepted: ["受理", "Accepted"], dispatched: ["已派单", "Dispatched"], signed: ["已签收", "Signed"],
  in_progress: ["办理中", "In progress"], extension_requested: ["延期申请中", "Extension requested"],
  suspended: ["挂起", "Suspended"], returned: ["退回", "Returned"], completed: ["办结", "Completed"],
  visited: ["已回访", "Visited"], archived: ["归档", "Archived"], cancelled: ["作废", "Cancelled"],
  received: ["待处理", "Received"], registered: ["已登记", "Registered"], guided: ["已引导", "Guided"],
  closed: ["已关闭", "Closed"], on_scene: ["到场", "On scene"], resolved: ["处置完毕", "Resolved"],
  pending: ["待接收", "Pending"], transferred: ["已转办", "Transferred"], caller: ["来电人", "Caller"],
  open: ["协商中", "Open"], agreed: ["已议定", "Agreed"], fallback: ["先行受理", "First receiver takes it"], refused: ["已拒收", "Refused"], expired: ["已超时", "Expired"],
  accept: ["受理", "Accept"], sign: ["签收", "Sign"], start: ["开始办理", "Start"], return: ["退回(说明理由)", "Refuse with reason"],
  request_extension: ["申请延期", "Request extension"], suspend: ["挂起", "Suspend"], resume: ["恢复", "Resume"],
  complete: ["办结回复", "Reply and complete"], dispatch: ["派单", "Dispatch"], arrive: ["到场", "Arrive"],
  resolve: ["处置完毕", "Resolve"], feedback: ["反馈", "Feedback"], visit: ["回访", "Visit"],
  consultation: ["咨询", "Consultation"], help: ["求助", "Help"], complaint: ["投诉", "Complaint"],
  report: ["举报", "Report"], suggestion: ["建议", "Suggestion"],
  urgent: ["特急", "Urgent"], important: ["紧急", "Important"], normal: ["一般", "Normal"],
  phone: ["电话", "Phone"], web: ["网站", "Web"], app: ["APP", "App"], wechat: ["微信", "WeChat"],
  sms: ["短信", "SMS"], email: ["邮件", "Email"], open311: ["Open311", "Open311"],
  "12345": ["12345", "12345"], "110": ["110", "110"], "119": ["119", "119"], "120": ["120", "120"],
  "122": ["122", "122"], utility: ["公共事业热线", "Utility hotline"], out_of_scope: ["不属受理范围", "Out of scope"],
  seat_12345: ["12345 坐席", "12345 seat"], seat_110: ["110 接警员", "110 seat"], supervisor: ["班长", "Supervisor"],
  unit_staff: ["承办单位", "Unit staff"], admin: ["管理员", "Administrator"], auditor: ["审计员", "Auditor"],
};

const listeners = [];
let lang = localStorage.getItem("liandong.lang") === "en" ? "en" : "zh";

export function getLang() {
  return lang;
}

export function t(key, vars = {}) {
  const entry = D[key] || LABELS[key];
  let text = entry ? entry[lang === "en" ? 1 : 0] : key;
  for (const [k, v] of Object.entries(vars)) text = text.replace(`{${k}}`, v);
  return text;
}

// A state, action or enum value; unknown values are shown as they are.
export function label(value) {
  const entry = LABELS[value];
  return entry ? entry[lang === "en" ? 1 : 0] : String(value ?? "—");
}

export function applyStatic(root = document) {
  document.documentElement.lang = lang === "en" ? "en" : "zh-CN";
  for (const el of root.querySelectorAll("[data-i18n]")) el.textContent = t(el.dataset.i18n);
}

export function setLang(next) {
  lang = next === "en" ? "en" : "zh";
  localStorage.setItem("liandong.lang", lang);
  applyStatic();
  for (const fn of listeners) fn(lang);
}

export function onLangChange(fn) {
  listeners.push(fn);
}
