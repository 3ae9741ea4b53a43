// The scanner's own words (the verdicts' messages come from gate-rules.json).
export const TEXT = {
  online: { zh: "在线", en: "Online" },
  offline: { zh: "离线：本机判定", en: "Offline: deciding on this phone" },
  revoked: { zh: "本设备已停用，请重新注册", en: "This device was revoked: enrol it again" },
  queued: { zh: "待上传", en: "to upload" },
  manifest: { zh: "名单", en: "Manifest" },
  noManifest: { zh: "尚未下载名单", en: "No manifest yet" },
  enrolFailed: { zh: "注册码无效、已用或已过期", en: "Code unknown, already used or expired" },
  enrolBadInput: { zh: "请输入注册码和设备名称", en: "Type the code and a device name" },
  noNetwork: { zh: "无法连接服务器", en: "The service cannot be reached" },
  cameraFailed: { zh: "无法打开摄像头，请手动输入", en: "Camera unavailable: type the code" },
  documentOffline: { zh: "离线时无法按证件号查询，请扫通行证",
    en: "ID numbers need the network: scan the pass" },
  documentInvalid: { zh: "证件号码无效，请核对后重输", en: "Not a valid ID number: check it and type it again" },
  lookupFailed: { zh: "本机无法查询证件号码，请扫通行证", en: "This phone cannot look the number up: scan the pass" },
  codeOffline: { zh: "离线时无法核验确认码，请改输证件号码", en: "A typed code needs the network: type the ID number instead" },
  codeInvalid: { zh: "确认码为8位字母和数字", en: "A confirmation code is 8 letters and digits" },
  decodedEnrol: { zh: "已读取注册码", en: "Enrolment code read" },
  attention_green: { zh: "放行", en: "Let them through" },
  attention_amber: { zh: "请在此处理：重扫、查验证件或稍候", en: "Sort it out here: scan again, check the ID, or wait" },
  attention_red: { zh: "拒绝入场，请联系主管", en: "Refuse entry, call a supervisor" },
  staffNeeded: { zh: "请等待工作人员", en: "Staff needed" },
  annulled: { zh: "上次入场已撤销，可重新扫码", en: "Last admission annulled: scan again" },
  annulTooLate: { zh: "超过30秒，不能撤销", en: "More than 30 s ago: it can no longer be annulled" },
  annulUnknown: { zh: "没有可撤销的入场", en: "No admission to annul" },
  annulOffline: { zh: "撤销需要联网", en: "Annulling needs the network" },
  attention_offline: { zh: "离线判定，联网后自动上传", en: "Decided offline, uploaded when back online" },
};

export function primaryLang() {
  return (document.documentElement.lang || "").toLowerCase().startsWith("zh") ? "zh" : "en";
}

/** ``{zh, en}`` as one line, the page's language first. */
export function both(text) {
  return primaryLang() === "zh" ? `${text.zh} / ${text.en}` : `${text.en} / ${text.zh}`;
}
