"""Messages of onboarding: join requests, invitations, one-time links and passwords."""

MESSAGES: dict[str, dict[str, str]] = {
    "join_request.not_found": {
        "vi": "Không tìm thấy yêu cầu tham gia này.",
        "zh": "未找到该入驻申请。",
        "en": "No such request to join.",
    },
    "join.contact_required": {
        "vi": "Cần một địa chỉ email hoặc số điện thoại để gửi đường dẫn đặt mật khẩu.",
        "zh": "需要一个电子邮件地址或电话号码，用于发送设置密码的链接。",
        "en": "An e-mail address or a phone number is needed to send the link that sets the password.",
    },
    "join.document_required": {
        "vi": "Hãy ghi số hiệu của giấy tờ bắt buộc ({document}).",
        "zh": "请填写必需文件的编号（{document}）。",
        "en": "Give the number of the required document ({document}).",
    },
    "join.reason_required": {
        "vi": "Hãy ghi lý do từ chối: doanh nghiệp sẽ nhận được lý do này.",
        "zh": "请填写拒绝理由：企业将收到该理由。",
        "en": "Give the reason for refusing: the enterprise is sent it.",
    },
    "join.decided": {
        "vi": "Yêu cầu này đã được xử lý.",
        "zh": "该申请已处理。",
        "en": "This request has already been decided.",
    },
    "join.enterprise_exists": {
        "vi": "Doanh nghiệp có mã số thuế {tax_id} đã có trên hệ thống; quản trị viên của doanh nghiệp có thể mời "
        "thêm người dùng.",
        "zh": "税号为 {tax_id} 的企业已在系统中；该企业的管理员可以邀请更多用户。",
        "en": "An enterprise with tax number {tax_id} is already registered; its administrator can invite users.",
    },
    "join.pending": {
        "vi": "Đã có một yêu cầu tham gia của mã số thuế {tax_id} đang chờ xét duyệt.",
        "zh": "税号 {tax_id} 已有一份待审核的入驻申请。",
        "en": "A request to join for tax number {tax_id} is already waiting for a decision.",
    },
    "account.contact_invalid": {
        "vi": "Địa chỉ liên hệ phải là một email hoặc một số điện thoại.",
        "zh": "联系方式须为电子邮件地址或电话号码。",
        "en": "The contact must be an e-mail address or a phone number.",
    },
    "account.role_not_invitable": {
        "vi": "Chỉ có thể mời người dùng chủ hàng (exporter) hoặc tài xế (driver).",
        "zh": "只能邀请货主用户（exporter）或司机（driver）。",
        "en": "Only exporter users and drivers can be invited.",
    },
    "account.not_self": {
        "vi": "Không thể tự khóa tài khoản của chính mình.",
        "zh": "不能停用自己的账户。",
        "en": "You cannot disable your own account.",
    },
    "account.password_wrong": {
        "vi": "Mật khẩu hiện tại không đúng.",
        "zh": "当前密码不正确。",
        "en": "The current password is wrong.",
    },
    "account.link_invalid": {
        "vi": "Đường dẫn này không còn dùng được (đã dùng hoặc đã hết hạn). Hãy yêu cầu một đường dẫn mới.",
        "zh": "该链接已失效（已使用或已过期）。请重新申请链接。",
        "en": "This link no longer works (used or expired). Ask for a new one.",
    },
    "account.password_mismatch": {
        "vi": "Hai lần nhập mật khẩu mới không khớp.",
        "zh": "两次输入的新密码不一致。",
        "en": "The two new passwords differ.",
    },
    # what the notifier sends a person (services/onboarding._notify); {expires} is in their local time
    "notify.join_approved": {
        "vi": "Yêu cầu tham gia cuakhau của {enterprise} đã được chấp thuận. Tài khoản quản trị: {username}. "
        "Đặt mật khẩu tại {link} trước {expires}.",
        "zh": "{enterprise} 的 cuakhau 入驻申请已获批准。管理员账户：{username}。"
        "请在 {expires} 前通过 {link} 设置密码。",
        "en": "The request of {enterprise} to join cuakhau is approved. Administrator account: {username}. "
        "Set its password at {link} before {expires}.",
    },
    "notify.join_refused": {
        "vi": "Yêu cầu tham gia cuakhau của {enterprise} bị từ chối. Lý do: {reason}",
        "zh": "{enterprise} 的 cuakhau 入驻申请被拒绝。理由：{reason}",
        "en": "The request of {enterprise} to join cuakhau is refused. Reason: {reason}",
    },
    "notify.account_invited": {
        "vi": "Bạn được mời dùng cuakhau với tài khoản {username}. Đặt mật khẩu tại {link} trước {expires}.",
        "zh": "您受邀使用 cuakhau，账户为 {username}。请在 {expires} 前通过 {link} 设置密码。",
        "en": "You are invited to use cuakhau as {username}. Set your password at {link} before {expires}.",
    },
    "notify.password_reset": {
        "vi": "Đặt lại mật khẩu của tài khoản {username} tại {link} trước {expires}. Nếu bạn không yêu cầu, hãy bỏ "
        "qua tin này.",
        "zh": "请在 {expires} 前通过 {link} 重设账户 {username} 的密码。如非本人操作，请忽略此消息。",
        "en": "Reset the password of {username} at {link} before {expires}. If you did not ask for it, ignore this "
        "message.",
    },
    "account.reset_asked": {
        "vi": "Nếu tài khoản này tồn tại và có địa chỉ liên hệ, một đường dẫn đặt lại mật khẩu đã được gửi tới đó.",
        "zh": "如果该账户存在并登记了联系方式，重设密码的链接已发送至该联系方式。",
        "en": "If this account exists and has a contact, a link to reset its password has been sent there.",
    },
}
