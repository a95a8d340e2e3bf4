"""Vietnamese strings of the board's desk: the /bangdieukhien command and the dashboard pages."""

# Chat
OPEN = (
    "📊 <b>Bảng điều khiển</b> của {board}: báo cáo theo đơn vị, xác nhận đã nắm nội dung, "
    "câu hỏi chờ trả lời.\nBấm nút dưới đây để mở ngay trong Telegram. Trên máy tính, gõ "
    "<code>/bangdieukhien web</code> để nhận đường link đăng nhập một lần."
)
BTN_OPEN = "📊 Mở bảng điều khiển"
LINK = (
    "🔐 Đường link đăng nhập bảng điều khiển trên máy tính (dùng <b>một lần</b>, hết hạn lúc "
    "{expires}):\n{link}\n\nKhông chuyển link này cho người khác."
)
NO_HTTPS = (
    "⚠️ Telegram chỉ mở bảng điều khiển trong ứng dụng khi địa chỉ là HTTPS "
    "(LOA_WEB_URL hiện là {url}). Trên máy tính: <code>/bangdieukhien web</code>."
)
TOP_BOARD = "Ban Tuyên giáo (toàn bộ đơn vị)"

# Pages
TITLE = "Bảng điều khiển"
SIGNING_IN = "Đang đăng nhập…"
NOSCRIPT = "Trang này cần JavaScript để đăng nhập từ Telegram."
VIEWER = "Người xem: {name}"
PERIOD = "Kỳ: {label}"
PERIOD_MONTH = "Tháng này"
PERIOD_QUARTER = "Quý này"
PERIOD_YEAR = "Năm nay"
PERIOD_PREV = "‹ Kỳ trước"
PERIOD_NEXT = "Kỳ sau ›"
PERIOD_INPUT = "Kỳ khác (vd. 10/2026, Q3/2026, H1/2026, 2026)"
PERIOD_GO = "Xem"
MEMBERS = "Thành viên"
MEMBERS_ZALO = " (Zalo: {n})"
UNITS = "Đơn vị trực thuộc"
REPORTS = "Hoạt động"
PARTICIPANTS = "Lượt người tham gia"
SHARE = "Đơn vị đã báo cáo"
REPORTS_HEAD = "Báo cáo {period} theo đơn vị"
COL_UNIT = "Đơn vị"
COL_COUNT = "Hoạt động"
COL_PEOPLE = "Người tham gia"
COL_REPORTED = "Có báo cáo"
NO_CHILDREN = "Không có đơn vị trực thuộc."
CHART_TITLE = "Số hoạt động theo đơn vị"
MISSING_HEAD = "Chưa có báo cáo {period}"
MISSING_NONE = "Tất cả đơn vị đã có báo cáo."
MISSING_MORE = " … và {count} đơn vị khác"
BROADCASTS_HEAD = "Nội dung đã gửi gần đây"
BROADCASTS_NONE = "Chưa gửi nội dung nào đến các đơn vị này."
BROADCAST_LINE = "#{id} · {at}: {text}"
COL_RECEIVED = "Đã nhận"
COL_ACKED = "Đã nắm"
COL_PENDING = "Chưa nắm"
TOTAL = "Cộng"
QUESTIONS_HEAD = "Câu hỏi chờ Ban trả lời ({total})"
QUESTIONS_NONE = "Không có câu hỏi nào đang chờ."
QUESTIONS_ALL = "Xem tất cả câu hỏi"
QUESTION_META = "{asker} · {unit} · {at}"
QUESTION_HELD = "⏸ Giữ lại, chưa báo cho Ban: người hỏi đã gửi đủ số câu hỏi trong ngày."
OPEN_CHAT = "Mở Telegram để trả lời"
BACK = "‹ Bảng điều khiển"
OWN_REPORTS = "{name} (trực tiếp)"
NO_UNIT = "Chưa thuộc đơn vị"
MEDIA = "(ảnh / tệp)"
FOOTER = "Số liệu đọc trực tiếp từ cơ sở dữ liệu của Loa lúc {at}."

# Refusal pages: reason -> (heading, explanation). No data about anyone is shown on them.
REFUSAL = {
    "signed_out": ("Đã đăng xuất", "Bạn đã đăng xuất khỏi bảng điều khiển trên mọi máy. "
                   "Gõ /bangdieukhien trong bot để đăng nhập lại."),
    "origin": ("Yêu cầu không hợp lệ",
               "Yêu cầu đăng nhập này không đến từ chính trang bảng điều khiển nên bị từ chối."),
    "signature": ("Không xác thực được",
                  "Dữ liệu đăng nhập từ Telegram không đúng chữ ký. Hãy mở lại bảng điều khiển "
                  "bằng nút trong cuộc trò chuyện với bot."),
    "expired": ("Phiên đăng nhập đã hết hạn",
                "Dữ liệu đăng nhập từ Telegram đã quá 24 giờ. Hãy gõ /bangdieukhien trong bot "
                "và bấm nút mở lại."),
    "member": ("Không có quyền truy cập",
               "Bảng điều khiển chỉ dành cho thành viên Ban Tuyên giáo (quản trị viên của bot)."),
    "outside": ("Ngoài phạm vi phụ trách",
                "Đơn vị này không thuộc phạm vi Ban của bạn, nên không xem được số liệu."),
    "signin": ("Chưa đăng nhập",
               "Hãy mở bảng điều khiển từ bot Telegram: gõ /bangdieukhien và bấm nút "
               "(trên máy tính: /bangdieukhien web để nhận link đăng nhập)."),
    "link": ("Link đăng nhập không hợp lệ",
             "Link này không đúng. Gõ /bangdieukhien web trong bot để nhận link mới."),
    "link_used": ("Link đăng nhập đã được dùng",
                  "Mỗi link chỉ dùng được một lần. Gõ /bangdieukhien web trong bot để nhận "
                  "link mới."),
    "link_expired": ("Link đăng nhập đã hết hạn",
                     "Link chỉ dùng được trong 10 phút. Gõ /bangdieukhien web trong bot để "
                     "nhận link mới."),
    "notfound": ("Không tìm thấy trang", "Trang này không có trên bảng điều khiển."),
    "csrf": ("Yêu cầu không hợp lệ",
             "Biểu mẫu này đã cũ hoặc không đến từ bảng điều khiển của bạn (có thể bạn vừa đăng "
             "nhập lại). Hãy tải lại trang rồi làm lại."),
}
LINK_CONTINUE = "Đăng nhập"
LINK_WAIT = "Đang đăng nhập bảng điều khiển…"
LINK_AS = "Đăng nhập bảng điều khiển với tài khoản của {name} ({board})."
LINK_NOT_YOU = "Nếu đây không phải tài khoản của bạn, đừng bấm: hãy đóng trang này."
SIGN_OUT = "Đăng xuất"

# ---------------------------------------------------------------- answering from the desk
ANSWER_LABEL = "Trả lời câu hỏi số {id}"
ANSWER_PLACEHOLDER = "Nội dung trả lời (gửi tới người hỏi qua Telegram hoặc Zalo)"
BTN_ANSWER = "Gửi trả lời"
ANSWERED_OK = "✅ Đã gửi câu trả lời câu hỏi số {id} tới người hỏi."
ANSWERED_NOT_DELIVERED = ("⚠️ Đã lưu câu trả lời câu hỏi số {id}, nhưng không gửi được tới người hỏi "
                          "(người hỏi đã chặn bot hoặc xóa tài khoản).")
ANSWER_EMPTY = "Nội dung trả lời trống: hãy gõ câu trả lời rồi bấm «Gửi trả lời»."
AUDIT_LINK = "Nhật ký thao tác của Ban"
AUDIT_HEAD = "Nhật ký thao tác ({count} gần nhất)"
AUDIT_NONE = "Chưa có thao tác nào được ghi."
AUDIT_LINE = "{at} · {who} ({board}) · {action}: {target} · {via}"
AUDIT_CLI = "dòng lệnh trên máy chủ"
AUDIT_VIA = {"chat": "trong bot", "desk": "trên bảng điều khiển", "cli": "từ dòng lệnh"}
AUDIT_ACTIONS = {"answer": "trả lời", "broadcast": "gửi nội dung", "remind": "nhắc lại",
                 "escalate": "chuyển lên cấp trên", "unit_add": "thêm đơn vị",
                 "unit_rename": "đổi tên đơn vị", "unit_deactivate": "ngừng đơn vị",
                 "invite": "tạo mã mời", "invite_revoke": "thu hồi mã mời",
                 "document_upload": "gửi tài liệu", "document_remove": "gỡ tài liệu",
                 "cancel": "hủy lần gửi", "unit_move": "chuyển đơn vị",
                 "member_move": "chuyển thành viên", "member_deactivate": "ngừng thành viên",
                 "member_reporter": "giao báo cáo", "member_not_reporter": "thôi giao báo cáo",
                 "member_board": "đưa vào Ban", "member_not_board": "đưa ra khỏi Ban",
                 "unit_import": "nhập đơn vị từ tệp", "faq_save": "lưu hỏi đáp",
                 "faq_edit": "sửa hỏi đáp", "faq_retire": "ngừng hỏi đáp",
                 "reflection_answer": "trả lời phản ánh", "reflection_escalate": "chuyển phản ánh lên",
                 "reflection_dang_xu_ly": "nhận xử lý phản ánh", "reflection_luu": "lưu phản ánh",
                 "reflection_orient": "định hướng tin sai trái"}

# ---------------------------------------------------------------- answered questions and the FAQ
ANSWERED_HEAD = "Đã trả lời gần đây ({count})"
ANSWERED_NONE = "Chưa có câu hỏi nào được Ban trả lời."
ANSWERED_LINE = "Số {id}: {text}"
ANSWERED_REPLY = "Trả lời: {answer}"
BTN_SAVE_FAQ = "Lưu vào hỏi đáp"
IN_FAQ = "Đã có trong hỏi đáp (mục số {id})"
FAQ_LINK = "Hỏi đáp"
FAQ_HEAD = "Hỏi đáp Loa dùng để trả lời ngay ({count})"
FAQ_NONE = "Chưa có mục hỏi đáp nào. Lưu câu trả lời của Ban từ trang Câu hỏi."
FAQ_META = "Mục số {id} · trả lời người của {board}{retired}"
FAQ_RETIRED = " · đã ngừng dùng"
FAQ_QUESTION = "Câu hỏi"
FAQ_ANSWER = "Trả lời"
BTN_FAQ_EDIT = "Lưu sửa đổi"
BTN_FAQ_RETIRE = "Ngừng dùng"
FAQ_SAVED_OK = "✅ Đã lưu câu trả lời câu hỏi số {qid} vào hỏi đáp (mục số {id}): câu hỏi tương tự sẽ được trả lời ngay."
FAQ_EDITED = "✅ Đã sửa mục hỏi đáp số {id}."
FAQ_RETIRED_OK = "✅ Đã ngừng dùng mục hỏi đáp số {id}."

# ---------------------------------------------------------------- members on the desk
MEMBERS_LINK = "Thành viên"
MEMBERS_HEAD = "Thành viên ({shown}/{count})"
MEMBERS_FILTER = "Lọc theo đơn vị"
MEMBERS_ALL = "Tất cả đơn vị"
BTN_FILTER = "Xem"
MEMBER_ROW = "{name} · {unit}{flags}"
FLAG_BOARD = " · thành viên Ban"
FLAG_REPORTER = " · người báo cáo"
FLAG_INACTIVE = " · đã ngừng"
FLAG_UNREACHABLE = " · không nhận được tin"
BTN_MOVE = "Chuyển"
BTN_REPORTER_ON = "Giao báo cáo"
BTN_REPORTER_OFF = "Thôi giao báo cáo"
BTN_BOARD_ON = "Đưa vào Ban"
BTN_BOARD_OFF = "Đưa ra khỏi Ban"
BTN_MEMBER_OFF = "Ngừng"
MEMBER_DONE = "✅ Đã cập nhật: {name}{flags} ({unit})."
MEMBERS_MORE = "Còn {count} người nữa: hãy lọc theo đơn vị."
UNIT_MOVE_LABEL = "Chuyển vào"
IMPORT_HEAD = "Nhập nhiều đơn vị từ tệp CSV"
IMPORT_HELP = ("Tệp CSV (Excel: Lưu thành «CSV UTF-8»), dòng đầu là tiêu đề: name (tên đơn vị), parent "
               "(đơn vị cấp trên; để trống: trực thuộc Ban), kind (loại, không bắt buộc). "
               "Dấu phân cách «;» hoặc «,» đều được. Loa cho xem trước, chưa thay đổi gì.")
BTN_IMPORT_PREVIEW = "Xem trước"
IMPORT_PREVIEW_HEAD = "Xem trước: {new} đơn vị mới, {known} đơn vị đã có (chưa thay đổi gì)"
IMPORT_NEW = "Thêm mới: {name}"
IMPORT_KNOWN = "Đã có: {name}"
BTN_IMPORT = "Nhập {new} đơn vị mới"
IMPORT_DONE = "✅ Đã nhập: {new} đơn vị mới, {known} đơn vị đã có."
IMPORT_NO_FILE = "Chưa chọn tệp CSV."
IMPORT_ENCODING = ("Không đọc được tệp: tệp không phải dạng UTF-8. Trong Excel chọn Lưu thành "
                   "(Save As) → «CSV UTF-8 (Comma delimited)» rồi gửi lại.")
IMPORT_TOO_BIG = "Tệp CSV lớn quá {limit} KB."
UNIT_MOVED = "✅ Đã chuyển «{name}» (cùng các đơn vị trực thuộc)."

# ---------------------------------------------------------------- documents on the desk
DOCS_LINK = "Tài liệu"
QUIZZES_LINK = "Trắc nghiệm"
DOCS_HEAD = "Tài liệu Loa đang dùng để trả lời ({count})"
DOCS_NONE = "Chưa có tài liệu nào."
DOC_ROW = "{title} · {chunks} đoạn · {owner}"
DOC_SHIPPED = "tài liệu chung"
DOC_OF = "của {owner}"
DOC_UPLOAD_HEAD = "Gửi tài liệu (.docx, .pdf, .txt, .md; gửi lại cùng tên để thay bản cũ)"
BTN_UPLOAD = "Gửi tài liệu"
BTN_REMOVE = "Gỡ"
DOC_UPLOADED = "✅ Đã {action} «{name}»: {chunks} đoạn, Loa trả lời theo tài liệu này ngay từ bây giờ."
DOC_ACTION_NEW = "thêm"
DOC_ACTION_REPLACED = "thay bản mới của"
DOC_REMOVED = "✅ Đã gỡ «{name}»: Loa không còn trích dẫn tài liệu này."
DOC_TOO_BIG = "Tệp nặng {size} MB, vượt giới hạn {limit} MB. Hãy gửi tệp nhỏ hơn."
DOC_NO_FILE = "Chưa chọn tệp: hãy chọn tệp tài liệu rồi bấm «Gửi tài liệu»."

# ---------------------------------------------------------------- units and invites on the desk
UNITS_LINK = "Đơn vị và mã mời"
UNITS_HEAD = "Đơn vị trong phạm vi của Ban ({count})"
UNIT_ROW = "{name} · {members} thành viên"
UNIT_ADD_HEAD = "Thêm đơn vị"
UNIT_ADD_NAME = "Tên đơn vị mới (ví dụ: Chi bộ Thôn 3)"
UNIT_ADD_PARENT = "Trực thuộc"
BTN_UNIT_ADD = "Thêm đơn vị"
UNIT_RENAME_LABEL = "Tên mới"
BTN_RENAME = "Đổi tên"
BTN_DEACTIVATE = "Ngừng đơn vị"
UNIT_ADDED = "✅ Đã thêm đơn vị «{name}». Tạo mã mời để thành viên tham gia."
UNIT_EXISTS = "Đơn vị «{name}» đã có ở đó: không thêm trùng."
UNIT_RENAMED = "✅ Đã đổi tên thành «{name}»."
UNIT_DEACTIVATED = ("✅ Đã ngừng đơn vị «{name}»: không còn trong danh sách, tổng hợp và đối tượng gửi; "
                    "các mã mời của đơn vị đã bị thu hồi. Báo cáo và thành viên cũ vẫn được lưu.")
INVITES_HEAD = "Mã mời còn dùng được ({count})"
INVITES_NONE = "Chưa có mã mời nào còn dùng được."
INVITE_ROW = "{unit} · {role} · {uses} · hết hạn: {expires}"
INVITE_NEW_HEAD = "Tạo mã mời"
INVITE_UNIT = "Đơn vị"
INVITE_ROLE = "Người dùng mã sẽ là"
INVITE_ROLES = {"member": "thành viên", "reporter": "người báo cáo của đơn vị",
                "board": "thành viên Ban của đơn vị (quản lý đơn vị và các đơn vị trực thuộc)"}
INVITE_USES = "Số lượt dùng (để trống: không giới hạn; mã vào Ban: 1 lượt)"
INVITE_DAYS = "Hết hạn sau (ngày; để trống: theo mặc định)"
BTN_INVITE = "Tạo mã mời"
BTN_REVOKE = "Thu hồi"
INVITE_MADE = "✅ Đã tạo mã mời cho «{unit}». Gửi đường link hoặc cho quét mã QR dưới đây."
INVITE_TELEGRAM = "Trên Telegram: mở đường link"
INVITE_ZALO = "Trên Zalo: nhắn cho bot Loa dòng"
INVITE_QR = "Mã QR của đường link Telegram"
INVITE_REVOKED = "✅ Đã thu hồi mã mời của «{unit}»."
INVITE_GONE = "Mã mời này không còn dùng được (đã thu hồi, hết hạn, hoặc không thuộc phạm vi của Ban)."
INVITE_UNLIMITED = "dùng không giới hạn"
INVITE_LEFT = "còn {left}/{max} lượt"
INVITE_NO_EXPIRY = "không hết hạn"
NUMBER_BAD = "Số lượt và số ngày phải là số nguyên dương."

# ---------------------------------------------------------------- broadcasting from the desk
BROADCAST_LINK = "Gửi nội dung định hướng"
BROADCAST_HEAD = "Gửi nội dung định hướng"
BROADCAST_TEXT = "Nội dung (văn bản, tối đa 4.000 ký tự)"
BROADCAST_UNITS = "Gửi tới (không chọn đơn vị nào: tất cả thành viên trong phạm vi của Ban)"
BROADCAST_UNIT = "{name} ({members} thành viên)"
BROADCAST_WHEN = "Hẹn giờ gửi (để trống: gửi ngay), dạng NGÀY/THÁNG/NĂM GIỜ:PHÚT"
BTN_PREVIEW = "Xem trước"
BTN_SEND = "Gửi"
PREVIEW_HEAD = "Xem trước: người nhận sẽ thấy đúng như dưới đây"
PREVIEW_TO = "Gửi tới: {audience} – {count} người (Telegram {telegram}, Zalo {zalo}) · Thời gian: {when}"
EVERYONE = "tất cả thành viên"
BROADCAST_FILE = "Kèm ảnh (.jpg, .png, tối đa 10 MB) hoặc tệp (.pdf, .docx, .xlsx…, tối đa 20 MB) — không bắt buộc"
BROADCAST_ATTACHED = "Đã kèm: {name} ({kind})"
MEDIA_KIND = {"photo": "ảnh", "document": "tệp"}
MEDIA_BAD_TYPE = "Chỉ kèm được ảnh .jpg, .png hoặc tệp .pdf, .doc, .docx, .xls, .xlsx, .ppt, .pptx, .zip, .txt."
MEDIA_TOO_BIG = "Tệp kèm theo lớn quá {limit} MB."
MEDIA_EMPTY = "Tệp kèm theo trống."
MEDIA_GONE = "Không còn tệp kèm theo này trên máy chủ: hãy chọn lại tệp."
WAITING_HEAD = "Chờ gửi hoặc đang gửi ({count})"
WAITING_LINE = "#{id} · {when} · tới {audience}: {text}"
BTN_CANCEL = "Hủy lần gửi #{id}"
CANCELLED = "✅ Đã hủy lần gửi #{id}: những tin chưa gửi sẽ không gửi nữa (tin đã gửi vẫn giữ nguyên)."
BROADCAST_QUEUED = "✅ Đã xếp lần gửi #{id} tới {count} người. Theo dõi ai đã nhận, đã nắm trên trang chính."
BACK_EDIT = "Sửa lại"

# ---------------------------------------------------------------- files of the viewed period
EXPORTS = "Tải về cho kỳ này:"
EXPORT_XLSX = "báo cáo (.xlsx)"
EXPORT_CSV = "báo cáo (.csv)"
EXPORT_DOCX = "dự thảo báo cáo định kỳ (.docx)"
BTN_REMIND = "🔔 Nhắc {n} người chưa nắm"
REMINDED = "🔔 Đã xếp lời nhắc lại lần gửi #{id} tới {count} người chưa xác nhận."
BTN_ESCALATE = "⬆️ Chuyển lên cấp trên"
ESCALATED = "⬆️ Đã chuyển câu hỏi số {id} lên {board}."

# ---------------------------------------------------------------- phản ánh on the desk
REFLECTIONS_LINK = "Phản ánh"
REFLECTIONS_HEAD = "Phản ánh của cơ sở · {what} ({shown})"
REFLECTIONS_OPEN = "chưa xong"
REFLECTIONS_NONE = "Không có phản ánh nào ở đây."
REFLECTION_META = "Số {id} · {kind} · {status} · {who}, {unit} · {when} · {board}"
REFLECTION_ANSWER_LABEL = "Trả lời phản ánh số {id} (gửi tới người phản ánh qua Telegram hoặc Zalo)"
BTN_REFLECTION_ANSWER = "Gửi trả lời"
BTN_REFLECTION_UP = "Chuyển cấp trên"
BTN_REFLECTION_WORKING = "Đang xử lý"
BTN_REFLECTION_FILE = "Lưu"
REFLECTION_ANSWERED = "Ban đã trả lời: {answer}"
BTN_ORIENT = "📣 Gửi định hướng về tin này"
ORIENT_FOR = "Định hướng về tin sai trái được phản ánh (số {id}): «{text}». Khi gửi, những người đã phản ánh tin này được báo."
ORIENTED_OK = "Đã báo cho {count} người đã phản ánh tin này."
BTN_SHARE_MODEL = "🌱 Nhân rộng: gửi mô hình này cho mọi người"
SHARE_FOR = "Nhân rộng mô hình hay (phản ánh số {id}): «{text}». Khi gửi, người giới thiệu mô hình được báo."
REFLECTIONS_EXPORT = "Tải tất cả (.xlsx)"
