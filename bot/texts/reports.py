"""Vietnamese strings of the activity-report feature (entry, validation, own reports, board)."""

EXAMPLE_LINE = "/baocao {date} | Hội nghị | Quán triệt Chỉ thị 30-CT/TW | 45 | tại nhà văn hóa"
EXAMPLE_HINT = "\n\nVí dụ một dòng đúng:\n<code>{example}</code>"

# Validation: each names the field; the handler appends EXAMPLE_HINT.
ERR_FORMAT = (
    "❗ Báo cáo nhanh cần ít nhất 4 phần, cách nhau bằng dấu <b>|</b>: "
    "ngày | hình thức | nội dung | số người [| ghi chú]."
)
ERR_DATE = (
    "❗ <b>Ngày</b> không hợp lệ: «{value}». Ghi theo dạng NGÀY/THÁNG/NĂM (ví dụ {today}), "
    "NGÀY/THÁNG, hoặc «hôm nay»."
)
ERR_DATE_FUTURE = "❗ <b>Ngày</b> {value} chưa tới. Chỉ báo cáo hoạt động đã diễn ra (đến hôm nay, {today})."
ERR_DATE_OLD = (
    "❗ <b>Ngày</b> {value} đã quá {days} ngày, không nhận báo cáo nữa. "
    "Vui lòng liên hệ Ban Tuyên giáo nếu cần bổ sung."
)
ERR_FORM = "❗ <b>Hình thức</b> «{value}» không có trong danh sách. Chọn một trong: {forms}."
ERR_FORM_AMBIGUOUS = "❗ <b>Hình thức</b> «{value}» có thể là: {options}. Vui lòng ghi rõ hơn."
ERR_CONTENT_EMPTY = "❗ <b>Nội dung</b> đang để trống. Hãy ghi ngắn gọn hoạt động đã làm."
ERR_CONTENT_LONG = "❗ <b>Nội dung</b> dài {length} ký tự, tối đa {limit} ký tự. Vui lòng rút gọn."
ERR_NOTE_LONG = "❗ <b>Ghi chú</b> dài {length} ký tự, tối đa {limit} ký tự. Vui lòng rút gọn."
ERR_PARTICIPANTS = (
    "❗ <b>Số người</b> phải là số nguyên dương, ví dụ 45 hoặc «45 người» (bạn ghi «{value}»)."
)
ERR_PARTICIPANTS_BIG = "❗ <b>Số người</b> {value} quá lớn (tối đa {limit})."

NO_UNIT = (
    "Bạn chưa thuộc đơn vị nào nên chưa gửi báo cáo được. "
    "Hãy nhờ Ban Tuyên giáo gửi đường link mời của đơn vị."
)

# Preview and confirmation
PREVIEW_HEADER = "<b>Kiểm tra báo cáo trước khi lưu</b>"
FREE_REPORT_LEAD = "📝 Tin nhắn này giống một báo cáo hoạt động. <b>Lưu làm báo cáo?</b>\n\n"
PHOTO_WITHOUT_REPORT = ("Loa đã nhận ảnh. Để gửi ảnh kèm báo cáo, ghi chú thích như: "
                        "«Báo cáo: hôm nay chi bộ tổ chức hội nghị quán triệt Chỉ thị 30, 42 "
                        "người dự», hoặc gõ /baocao và gửi ảnh ở bước ảnh.")
REPORT_BLOCK = (
    "🏢 Đơn vị: <b>{unit}</b>\n"
    "📅 Ngày: {date}\n"
    "🗂 Hình thức: {form}\n"
    "📝 Nội dung: {content}\n"
    "👥 Số người: {participants}"
)
REPORT_NOTE = "\n💬 Ghi chú: {note}"
REPORT_PHOTOS = "\n📷 Ảnh minh chứng: {count}"
PREVIEW_FOOTER = "\n\nBấm <b>✅ Lưu</b> để lưu, <b>❌ Hủy</b> để bỏ."
DUPLICATE_HINT = (
    "\n\n⚠️ Đơn vị đã có báo cáo số {id} gần giống (cùng ngày, cùng hình thức): «{content}»."
)
BTN_SAVE = "✅ Lưu"
BTN_SAVE_ANYWAY = "✅ Vẫn lưu"
BTN_CANCEL = "❌ Hủy"
SAVED = "✅ Đã lưu báo cáo số {id}.\n\n{block}"
ALREADY_SAVED = "Báo cáo này đã được lưu (số {id}), không lưu lại lần nữa."
CANCELLED = "Đã hủy, báo cáo không được lưu."
ALREADY_CANCELLED = "Báo cáo này đã được hủy trước đó, không lưu."
DRAFT_NOT_FOUND = "Không tìm thấy báo cáo chờ lưu này của bạn. Không có gì được lưu."
DUPLICATE_WARNING = (
    "⚠️ <b>Có thể trùng</b> với báo cáo số {id} của đơn vị (ngày {date}, {form}): «{content}».\n\n"
    "Nếu đây là hoạt động khác, bấm <b>✅ Vẫn lưu</b>; nếu trùng, bấm <b>❌ Hủy</b>."
)
LARGE_WARNING = (
    "⚠️ <b>Số người tham dự rất lớn</b> (trên {limit}). Kiểm tra lại: có gõ thừa số 0 không?\n\n"
    "Nếu đúng, bấm <b>✅ Vẫn lưu</b>; nếu sai, bấm <b>❌ Hủy</b> rồi gửi lại."
)
BAD_BUTTON = "Nút này không hợp lệ hoặc đã cũ."

# Guided entry
ASK_DATE = (
    "📝 <b>Báo cáo hoạt động</b> – bước 1/6\n"
    "Hoạt động diễn ra ngày nào? Bấm «Hôm nay» hoặc gõ ngày (ví dụ {today}).\n"
    "Gõ /huy để dừng."
)
BTN_TODAY = "Hôm nay"
ASK_FORM = "Bước 2/6 – Chọn <b>hình thức</b> hoạt động:"
ASK_CONTENT = "Bước 3/6 – Gõ <b>nội dung</b> hoạt động (ví dụ: Quán triệt Chỉ thị 30-CT/TW)."
ASK_PARTICIPANTS = "Bước 4/6 – Có bao nhiêu <b>người</b> tham dự? (ví dụ: 45)"
ASK_NOTE = "Bước 5/6 – <b>Ghi chú</b> thêm (địa điểm, người chủ trì…), hoặc bấm «Bỏ qua»."
BTN_SKIP = "Bỏ qua"
ASK_PHOTOS = (
    "Bước 6/6 – Gửi <b>ảnh minh chứng</b> (nếu có, tối đa {limit} ảnh), rồi bấm «Xong». "
    "Không có ảnh thì bấm «Xong» luôn."
)
BTN_DONE = "Xong"
PHOTO_ADDED = "Đã nhận {count} ảnh. Gửi thêm hoặc bấm «Xong»."
PHOTO_LIMIT = "Đã đủ {limit} ảnh. Bấm «Xong» để tiếp tục."
GUIDED_CANCELLED = "Đã dừng, báo cáo không được lưu."
GUIDED_EXPIRED = "Phiên nhập báo cáo đã hết giờ. Gõ /baocao để bắt đầu lại."
FORM_PICKED = "Hình thức: <b>{form}</b>"
DATE_PICKED = "Ngày: <b>{date}</b>"
STEP_TEXT_ONLY = "Vui lòng gõ chữ, hoặc /huy để dừng."

# Own reports
MY_HEADER = "<b>Báo cáo gần đây của {unit}</b> ({count}):"
MY_EMPTY = "Đơn vị {unit} chưa có báo cáo nào. Gửi bằng /baocao."
MY_LINE = "<b>Số {id}</b> · {date} · {form} · {participants} người\n{content}\n<i>{reporter}</i>{edited}"
MY_EDITED = " · đã sửa"
MY_FOOTER = "\nBạn sửa hoặc xóa được báo cáo do chính mình gửi trong {hours} giờ."
BTN_EDIT = "✏️ Sửa số {id}"
BTN_DELETE = "🗑 Xóa số {id}"
EDIT_PROMPT = (
    "Gửi lại <b>cả dòng</b> cho báo cáo số {id} (không cần /baocao), ví dụ:\n"
    "<code>{line}</code>\nGõ /huy để thôi sửa."
)
EDITED = "✅ Đã sửa báo cáo số {id}.\n\n{block}"
EDIT_CANCELLED = "Đã thôi sửa, báo cáo giữ nguyên."
DELETE_CONFIRM = "Xóa báo cáo số {id}?\n\n{block}"
BTN_DELETE_YES = "🗑 Xóa"
BTN_DELETE_NO = "Không xóa"
DELETED = "🗑 Đã xóa báo cáo số {id}."
DELETE_KEPT = "Đã giữ nguyên báo cáo."
REPORT_NOT_FOUND = "Không tìm thấy báo cáo số {id} của đơn vị bạn."
NOT_YOURS = "Chỉ người đã gửi báo cáo số {id} mới sửa hoặc xóa được."
EDIT_WINDOW_OVER = (
    "Báo cáo số {id} đã gửi quá {hours} giờ nên không sửa/xóa được nữa. "
    "Cần điều chỉnh, vui lòng liên hệ Ban Tuyên giáo."
)

# Board
PERIOD_INVALID = (
    "❗ <b>Kỳ</b> «{value}» không hợp lệ. Ghi tháng (06/2024), quý (Q2/2024 hoặc quy 2/2024), "
    "6 tháng (6 tháng đầu năm 2024) hoặc năm (2024); để trống là tháng này."
)
PERIOD_MONTH = "tháng {month:02d}/{year}"
UNIT_UNKNOWN = (
    "Không tìm thấy đơn vị «{name}» trong phạm vi của bạn. Ghi đúng tên đơn vị, "
    "ví dụ <code>/tonghop Xã An Bình 06/2026</code>."
)
UNIT_OUT_OF_SCOPE = (
    "⛔ Đơn vị «{name}» không thuộc phạm vi phụ trách của bạn, nên không xem được báo cáo "
    "của đơn vị này."
)
PERIOD_QUARTER = "quý {quarter}/{year}"
PERIOD_YEAR = "năm {year}"
PERIOD_HALF_FIRST = "6 tháng đầu năm {year}"
PERIOD_HALF_LAST = "6 tháng cuối năm {year}"
SUMMARY_HEADER = "<b>Tổng hợp báo cáo {label}</b> ({start} – {end})"
SUMMARY_OF = "Đơn vị: {path}"
SUMMARY_UNIT = "<b>{unit}</b>: {count} hoạt động, {participants} lượt người"
SUMMARY_UNIT_SHARE = " · {reported}/{total} đơn vị đã báo cáo"
SUMMARY_OWN = "{unit} (báo cáo của chính đơn vị)"
SUMMARY_SHARE = "Tỷ lệ đơn vị đã báo cáo: {reported}/{total} ({percent}%)."
SUMMARY_FORM = "   • {form}: {count} ({participants} người)"
SUMMARY_TOTAL = (
    "<b>Tổng cộng</b>: {count} hoạt động, {participants} lượt người, "
    "{units} đơn vị có báo cáo."
)
SUMMARY_BY_FORM = "<b>Theo hình thức</b>:"
SUMMARY_MISSING = "<b>Chưa báo cáo</b> ({count}): {units}"
SUMMARY_MISSING_MORE = " … và {count} đơn vị khác (xem từng đơn vị: /tonghop &lt;tên đơn vị&gt;)"
SUMMARY_ALL_REPORTED = "Tất cả đơn vị đã báo cáo. 👍"
SUMMARY_EMPTY = "Chưa có báo cáo nào trong kỳ này."
EXPORT_CAPTION = "Báo cáo {label}: {count} dòng."
EXPORT_OF = "Đơn vị: {unit}."
EXPORT_EMPTY = "Không có báo cáo nào trong {label} để xuất."
CHART_CAPTION = "Biểu đồ hoạt động {label}."
CHART_TITLE = "Hoạt động tuyên truyền miệng {label}"
CHART_ACTIVITIES = "Số hoạt động"
CHART_PARTICIPANTS = "Số lượt người tham dự"
CHART_MORE = "(và {count} đơn vị khác)"

# Export column headers
COLUMNS = ("STT", "Đơn vị", "Người báo cáo", "Ngày", "Hình thức", "Nội dung", "Số người",
           "Ghi chú", "Số ảnh", "Gửi lúc", "Sửa lúc", "Đơn vị theo cấp")
SHEET_TITLE = "Báo cáo"

# Reminders
REMINDER = (
    "🔔 Nhắc báo cáo: đơn vị <b>{unit}</b> chưa có báo cáo hoạt động {label}. "
    "Gửi bằng /baocao (nhanh: <code>/baocao hôm nay | Hội nghị | nội dung | số người</code>)."
)
REMINDER_BOARD_OF = "📋 <b>{unit}</b>"
REMINDER_BOARD_MORE = " … và {count} đơn vị khác (xem /tonghop)"
REMINDER_BOARD = "🔔 <b>Đã nhắc báo cáo {label}</b> – {count} đơn vị: {units}"
REMINDER_BOARD_NO_REPORTER = (
    "⚠️ Đơn vị chưa có người báo cáo nên không nhắc được ({count}): {units}. "
    "Giao bằng /thanhvien_baocao &lt;số&gt;."
)
REMINDER_BOARD_UNREACHABLE = "Không gửi được lời nhắc tới: {names}."
