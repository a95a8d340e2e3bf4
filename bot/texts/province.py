"""Vietnamese texts of the unit tree and the scoped boards (one bot for a whole province)."""

# ---------------------------------------------------------------- scope refusals
OUT_OF_SCOPE_UNIT = (
    "⛔ Đơn vị <b>{unit}</b> không thuộc phạm vi của Ban bạn (<b>{board}</b>). "
    "Bạn chỉ quản lý đơn vị của mình và các đơn vị trực thuộc."
)
OUT_OF_SCOPE_MEMBER = "⛔ Thành viên số {id} không thuộc phạm vi của Ban bạn (<b>{board}</b>)."
OUT_OF_SCOPE_QUESTION = (
    "⛔ Câu hỏi số {id} không thuộc phạm vi của Ban bạn (<b>{board}</b>): "
    "Ban cấp khác đang xử lý câu hỏi này."
)
OUT_OF_SCOPE_BROADCAST = "⛔ Đợt phát số {id} không thuộc phạm vi của Ban bạn (<b>{board}</b>)."
OUT_OF_SCOPE_DIGEST = "⛔ Lịch điểm tin số {id} không thuộc phạm vi của Ban bạn (<b>{board}</b>)."
THIS_UNIT = "này"

# ---------------------------------------------------------------- units
UNIT_TOO_DEEP = (
    "Không thể thêm <b>{name}</b> dưới <b>{parent}</b>: cây đơn vị sâu tối đa {max} cấp "
    "(tỉnh › xã › chi bộ › tổ)."
)
UNIT_AMBIGUOUS = (
    "Có nhiều đơn vị tên «{name}»: {paths}. Ghi rõ cả đơn vị cấp trên, ví dụ "
    "<code>{example}</code>."
)
UNIT_ADD_USAGE = (
    "Cách dùng: <code>/donvi_them Tên đơn vị</code> hoặc "
    "<code>/donvi_them Tên đơn vị | Đơn vị cấp trên</code>"
)
UNIT_ADDED_UNDER = "✅ Đã thêm đơn vị <b>{name}</b> (mã số {id}) thuộc <b>{parent}</b>."
UNITS_TREE_HEADER = "<b>Các đơn vị</b> ({count}):"
UNIT_TREE_LINE = "{indent}{id}. {name} – {members} thành viên"
UNIT_BELOW = " · {count} đơn vị trực thuộc"
UNITS_DRILL = "Xem các đơn vị trực thuộc một đơn vị: <code>/donvi Tên hoặc số của đơn vị</code>"
IMPORT_LINE_ERROR = "Dòng {line}: {reason}"
IMPORT_NO_NAME = "thiếu tên đơn vị (cột name)"
IMPORT_NO_HEADER = "dòng đầu phải là tiêu đề có cột name (và parent, kind nếu cần)"
IMPORT_PARENT_UNKNOWN = "không tìm thấy đơn vị cấp trên «{parent}»"
IMPORT_PARENT_AMBIGUOUS = "có nhiều đơn vị tên «{parent}», ghi rõ đường dẫn (Tỉnh › Xã)"
IMPORT_CYCLE = "đơn vị «{name}» vòng lại chính nó qua cột parent"
IMPORT_DUPLICATE = "đơn vị «{name}» đã có ở dòng {first} với cùng đơn vị cấp trên"
IMPORT_TOO_LONG = "tên dài quá 200 ký tự"
IMPORT_OUTSIDE = "đơn vị «{name}» nằm ngoài phạm vi của Ban (đơn vị cấp trên phải là đơn vị của Ban)"
IMPORT_HEADER_UNKNOWN = ("tiêu đề không đọc được: cần cột name (tên đơn vị), và parent (đơn vị "
                         "cấp trên), kind nếu cần; ngăn cách bằng dấu phẩy hoặc chấm phẩy")
UNIT_RENAME_USAGE = "Cách dùng: <code>/donvi_doiten Đơn vị | Tên mới</code>"
UNIT_MOVE_USAGE = "Cách dùng: <code>/donvi_chuyen Đơn vị | Đơn vị cấp trên mới</code>"
UNIT_STOP_USAGE = "Cách dùng: <code>/donvi_ngung Đơn vị</code>"
UNIT_NAME_TAKEN = "Cùng cấp đã có đơn vị tên «{name}»."
UNIT_MOVE_CYCLE = "Không thể đưa «{name}» vào dưới «{parent}»: «{parent}» nằm trong chính nó."
UNIT_HAS_CHILDREN = ("«{name}» còn {count} đơn vị trực thuộc đang hoạt động: chuyển hoặc ngừng "
                     "các đơn vị đó trước.")
UNIT_OWN_BOARD = "«{name}» là đơn vị của chính Ban bạn: Ban cấp trên mới đổi được."
UNIT_RENAMED = "✅ Đã đổi tên đơn vị thành <b>{name}</b>."
UNIT_BOARD_NAME_USAGE = (
    "Cách dùng: <code>/donvi_tenban Đơn vị | Tên Ban</code> – tên Ban của đơn vị dùng khi ký "
    "trả lời, gửi nội dung (tối đa 200 ký tự; <code>-</code> để dùng tên mặc định).\n"
    "Ví dụ: <code>/donvi_tenban Đảng ủy xã Hoài Thượng | Ban Xây dựng Đảng Đảng ủy xã Hoài Thượng</code>")
UNIT_BOARD_NAMED = "✅ Ban của đơn vị <b>{unit}</b> từ nay ký là: <b>{board}</b>."
UNIT_MOVED = "✅ <b>{name}</b> nay trực thuộc <b>{parent}</b>."
UNIT_STOPPED = ("✅ Đã ngừng đơn vị <b>{name}</b>: không còn trong danh sách, tổng hợp và mã mời "
                "(báo cáo cũ vẫn giữ).")

# ---------------------------------------------------------------- invites
INVITE_ADMIN = " (thành viên Ban của đơn vị)"
INVITE_ADMIN_CREATED_NOTE = (
    "\n\n👥 Người dùng mã này trở thành <b>thành viên Ban</b> của <b>{unit}</b>: quản lý đơn vị này "
    "và các đơn vị trực thuộc."
)
INVITE_REVOKE_USAGE = "Cách dùng: <code>/moi_huy MÃ_MỜI</code> (xem các mã bằng /moi_ds)."
INVITE_REVOKE_UNKNOWN = "Không có mã mời «{code}» còn dùng được trong phạm vi của Ban bạn."
INVITE_REVOKED = "✅ Đã thu hồi mã mời <code>{code}</code> của <b>{unit}</b>: không ai dùng được nữa."
MEMBER_UNADMIN = "✅ {name} không còn là thành viên Ban; vẫn là thành viên của <b>{unit}</b>."
BOARD_JOINED_NOTICE = (
    "🔔 <b>{name}</b> vừa vào Ban của <b>{unit}</b> bằng mã mời.\n"
    "Nếu không đúng người: <code>/thanhvien_bo_admin {id}</code> để gỡ quyền, "
    "<code>/thanhvien_ngung {id}</code> để tạm ngừng."
)
JOINED_BOARD = (
    "✅ Bạn đã là thành viên <b>{board}</b> ({unit}). Bạn quản lý đơn vị này và các đơn vị "
    "trực thuộc: /huongdan để xem các lệnh."
)

# ---------------------------------------------------------------- questions
BTN_ESCALATE = "⬆️ Chuyển lên cấp trên"
ESCALATED = "⬆️ Đã chuyển câu hỏi số {id} lên <b>{board}</b>."
ESCALATED_NOTICE = "⬆️ <b>{from_board}</b> chuyển lên câu hỏi số {id}."
ESCALATE_TOP = "Câu hỏi số {id} đã ở Ban cấp trên cùng, không chuyển lên được nữa."
ESCALATE_NOT_OPEN = "Câu hỏi số {id} không còn chờ trả lời."
OPEN_AT_BOARD = " · đang ở {board}"
OWNER = " (tài liệu của {unit})"

# ---------------------------------------------------------------- broadcasts
AUD_WITHIN = " (trong {unit})"
