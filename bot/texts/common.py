"""Vietnamese strings shared by the whole bot: welcome, help, errors, access."""

WELCOME_UNREGISTERED = (
    "Xin chào! Đây là <b>Loa</b> – trợ lý của {board} dành cho đội ngũ "
    "báo cáo viên, tuyên truyền viên.\n\n"
    "Để sử dụng, bạn cần <b>mã mời</b> của đơn vị. Hãy liên hệ {board} "
    "hoặc bí thư chi bộ để nhận đường link mời, rồi bấm vào link đó."
)
WELCOME_OPEN_QA = "\n\nBạn vẫn có thể gửi câu hỏi về các văn bản đã có trong hệ thống."
INVITE_INVALID = (
    "Mã mời không hợp lệ, đã hết hạn hoặc đã bị thu hồi. "
    "Vui lòng xin mã mới từ {board}."
)
INVITE_USED_UP = (
    "Mã mời này đã dùng hết số lượt cho phép. "
    "Vui lòng xin mã mới từ {board}."
)
INVITE_TOO_MANY = (
    "Loa vừa nhận quá nhiều mã mời sai nên tạm ngừng kiểm tra mã mời. "
    "Vui lòng bấm lại đường link sau khoảng {minutes} phút."
)
JOINED = "✅ Bạn đã tham gia đơn vị <b>{unit}</b>.\n\n{help}"
JOINED_REPORTER = (
    "📝 Bạn là <b>người báo cáo</b> của đơn vị: gửi báo cáo hoạt động bằng /baocao. Từ ngày "
    "{day} hằng tháng, nếu đơn vị chưa có báo cáo, Loa sẽ nhắc bạn một lần.\n\n")
ALREADY_JOINED = "Bạn đang thuộc đơn vị <b>{unit}</b>."
MOVED_BY_INVITE = "✅ Bạn đã chuyển sang đơn vị <b>{unit}</b>."
WELCOME_BACK = "Chào mừng bạn quay lại! Bạn thuộc đơn vị <b>{unit}</b>.\n\n{help}"
WELCOME_ADMIN = "Chào mừng thành viên {board}.\n\n{help}"
NOT_REGISTERED = (
    "Bạn chưa đăng ký sử dụng. Hãy bấm vào đường link mời do {board} "
    "gửi để tham gia."
)
DEACTIVATED = "Tài khoản của bạn đã bị tạm ngừng. Vui lòng liên hệ {board}."
ADMIN_ONLY = "⛔ Chức năng này chỉ dành cho Ban Tuyên giáo (quản trị viên)."
UNKNOWN_COMMAND = "Không có lệnh này. Gõ /huongdan để xem các lệnh dùng được."
NOTHING_TO_CANCEL = "Không có việc gì đang làm dở để hủy."
FLOOD = "Bạn gửi hơi nhanh. Vui lòng đợi {seconds} giây rồi gửi tiếp."
ERROR = "Xin lỗi, đã có lỗi khi xử lý yêu cầu. Ban Tuyên giáo đã được thông báo; vui lòng thử lại sau."
ERROR_NOT_NOTIFIED = ("Xin lỗi, Loa đang gặp sự cố nên chưa xử lý được yêu cầu này. "
                      "Vui lòng thử lại sau ít phút.")
ERROR_ADMIN_NOTICE = "⚠️ Lỗi khi xử lý một yêu cầu: <code>{error}</code>"
ERROR_ADMIN_FOLDED = "\n(Và {count} lỗi khác trong lúc trước đó, không báo riêng.)"
UNSUPPORTED_MESSAGE = (
    "Loa chỉ đọc được tin nhắn chữ. Hãy gõ câu hỏi, hoặc dùng các nút bên dưới."
)
STALE_BUTTON = "Nút này không còn hiệu lực. Vui lòng thao tác lại từ đầu."
GROUP_HINT = "Vui lòng nhắn riêng cho bot để hỏi đáp và báo cáo."
BTN_OPEN_PRIVATE = "💬 Nhắn riêng cho Loa"

HELP_MEMBER = (
    "<b>Hướng dẫn sử dụng Loa</b>\n\n"
    "❓ <b>Hỏi đáp</b>: gõ câu hỏi, có dấu hoặc không dấu đều được.\n"
    "   Ví dụ: <i>nhiem vu cua bao cao vien la gi</i>\n"
    "   hoặc /hoi Chỉ thị 30 do ai ban hành?\n"
    "📌 /diemchinh – điểm chính của các văn bản\n"
    "📝 /baocao – gửi báo cáo hoạt động của đơn vị\n"
    "   Nhanh: <code>/baocao hôm nay | Hội nghị | Quán triệt Chỉ thị 30 | 45</code>\n"
    "🗂 /baocao_cua_toi – các báo cáo gần đây của đơn vị\n"
    "📢 /phananh – gửi phản ánh (dư luận, tin sai trái, mô hình hay, kiến nghị)\n"
    "   Nhanh: <code>/phananh dư luận | Bà con thôn 3 lo giá điện tăng</code>"
    " · /phananh_cuatoi – phản ánh đã gửi\n"
    "📝 /tracnghiem – làm bài trắc nghiệm sau buổi quán triệt\n"
    "✖️ /huy – dừng việc đang làm dở (báo cáo, soạn tin)\n"
    "ℹ️ /huongdan – xem lại hướng dẫn này"
)
HELP_ADMIN_EXTRA = (
    "\n\n<b>Dành cho Ban Tuyên giáo</b>\n"
    "/cauhoi – câu hỏi chưa có trả lời · /traloi &lt;số&gt; &lt;nội dung&gt;\n"
    "/phananh_ds – phản ánh của cơ sở · /phananh_traloi &lt;số&gt; &lt;nội dung&gt;"
    " · /phananh_chuyen &lt;số&gt; – chuyển cấp trên · /phananh_xuly &lt;số&gt; – đang xử lý"
    " · /phananh_luu &lt;số&gt; – lưu · /phananh_xuhuong – vấn đề được phản ánh nhiều nhất"
    " · /phananh_dinhhuong &lt;số&gt; &lt;nội dung&gt; – gửi định hướng về tin sai trái\n"
    "/phatdi – gửi nội dung định hướng · /phatdi_ds – theo dõi\n"
    "/tracnghiem_kq &lt;số bài&gt; – kết quả trắc nghiệm theo đơn vị (tạo bài: <code>loa quiz</code> hoặc trang quản trị)\n"
    "/diemchinh_dinhky thu2 07:00 – gửi điểm chính định kỳ hằng tuần\n"
    "/tonghop [đơn vị] [kỳ] · /xuatbaocao · /bieudo – tổng hợp báo cáo theo đơn vị trực thuộc\n"
    "/baocaodinhky &lt;kỳ&gt; – dự thảo báo cáo định kỳ (.docx), ví dụ Q4/2026\n"
    "/donvi – đơn vị · /donvi_them &lt;tên&gt; – thêm đơn vị\n"
    "/donvi_doiten &lt;đơn vị&gt; | &lt;tên mới&gt; · /donvi_chuyen &lt;đơn vị&gt; | &lt;cấp trên&gt;"
    " · /donvi_ngung &lt;đơn vị&gt; – đổi tên, chuyển, ngừng đơn vị\n"
    "/donvi_tenban &lt;đơn vị&gt; | &lt;tên Ban&gt; – tên Ban dùng khi ký trả lời, gửi nội dung\n"
    "/moi &lt;đơn vị&gt; [| số lượt] [--admin] – tạo mã mời (--admin: mời vào Ban của đơn vị)"
    " · /moi_ds – các mã mời còn dùng được · /moi_huy &lt;mã&gt; – thu hồi mã mời\n"
    "/thanhvien [đơn vị] – thành viên · /thanhvien_chuyen &lt;số&gt; &lt;đơn vị&gt; – chuyển đơn vị\n"
    "/thanhvien_ngung &lt;số&gt; – tạm ngừng · /thanhvien_baocao &lt;số&gt; – giao làm người báo cáo\n"
    "/thanhvien_admin &lt;số&gt; – cấp quyền quản trị"
    " · /thanhvien_bo_admin &lt;số&gt; – gỡ quyền quản trị (vẫn là thành viên)\n"
    "/trangthai – tình trạng hệ thống\n"
    "/bangdieukhien – bảng điều khiển (trang web) · /bangdieukhien web – link cho máy tính\n"
    "Gửi tệp .docx/.pdf/.txt/.md để bổ sung tài liệu."
)

# Reply keyboard (persistent main actions)
BTN_ASK = "❓ Hỏi đáp"
BTN_KEYPOINTS = "📌 Điểm chính"
BTN_REPORT = "📝 Báo cáo"
BTN_HELP = "ℹ️ Hướng dẫn"
ASK_PROMPT = "Hãy gõ câu hỏi của bạn (có dấu hoặc không dấu đều được)."

# Command menu descriptions
CMD_MEMBER = [
    ("hoi", "Hỏi đáp về văn bản"),
    ("diemchinh", "Điểm chính của văn bản"),
    ("baocao", "Gửi báo cáo hoạt động"),
    ("baocao_cua_toi", "Báo cáo của đơn vị tôi"),
    ("phananh", "Gửi phản ánh (dư luận, tin sai trái, mô hình hay, kiến nghị)"),
    ("phananh_cuatoi", "Phản ánh tôi đã gửi"),
    ("tracnghiem", "Làm bài trắc nghiệm"),
    ("huy", "Dừng việc đang làm dở"),
    ("huongdan", "Hướng dẫn sử dụng"),
]
CMD_ADMIN = CMD_MEMBER + [
    ("cauhoi", "Câu hỏi chờ trả lời"),
    ("traloi", "Trả lời câu hỏi"),
    ("phananh_ds", "Phản ánh của cơ sở"),
    ("phananh_traloi", "Trả lời phản ánh"),
    ("phananh_chuyen", "Chuyển phản ánh lên cấp trên"),
    ("phananh_xuly", "Đánh dấu phản ánh đang xử lý"),
    ("phananh_luu", "Lưu phản ánh (không cần trả lời)"),
    ("phananh_xuhuong", "Vấn đề được phản ánh nhiều nhất"),
    ("phananh_dinhhuong", "Gửi định hướng về tin sai trái"),
    ("phatdi", "Gửi nội dung định hướng"),
    ("phatdi_ds", "Theo dõi các lần gửi"),
    ("tracnghiem_kq", "Kết quả trắc nghiệm theo đơn vị"),
    ("diemchinh_dinhky", "Gửi điểm chính định kỳ"),
    ("tonghop", "Tổng hợp báo cáo"),
    ("xuatbaocao", "Xuất báo cáo Excel/CSV"),
    ("bieudo", "Biểu đồ báo cáo"),
    ("baocaodinhky", "Dự thảo báo cáo định kỳ (.docx)"),
    ("donvi", "Danh sách đơn vị"),
    ("donvi_them", "Thêm đơn vị"),
    ("donvi_doiten", "Đổi tên đơn vị"),
    ("donvi_chuyen", "Chuyển đơn vị sang cấp trên khác"),
    ("donvi_ngung", "Ngừng một đơn vị"),
    ("donvi_tenban", "Đặt tên Ban của đơn vị"),
    ("moi", "Tạo mã mời cho đơn vị"),
    ("moi_ds", "Các mã mời còn dùng được"),
    ("moi_huy", "Thu hồi một mã mời"),
    ("thanhvien", "Quản lý thành viên"),
    ("thanhvien_chuyen", "Chuyển thành viên sang đơn vị khác"),
    ("thanhvien_ngung", "Tạm ngừng một thành viên"),
    ("thanhvien_baocao", "Giao làm người báo cáo của đơn vị"),
    ("thanhvien_admin", "Cấp quyền quản trị"),
    ("thanhvien_bo_admin", "Gỡ quyền quản trị"),
    ("trangthai", "Tình trạng hệ thống"),
    ("bangdieukhien", "Bảng điều khiển (trang web)"),
]

# Units & members administration
UNIT_ADDED = "✅ Đã thêm đơn vị <b>{name}</b> (mã số {id})."
UNIT_EXISTS = "Đơn vị <b>{name}</b> đã có."
UNIT_NOT_FOUND = "Không tìm thấy đơn vị «{name}». Gõ /donvi để xem danh sách."
UNITS_EMPTY = "Chưa có đơn vị nào. Thêm bằng: <code>/donvi_them Chi bộ Khu phố 1</code>"
UNITS_HEADER = "<b>Các đơn vị</b> ({count}):"
UNIT_LINE = "{id}. {name} – {members} thành viên"
UNIT_ADD_USAGE = "Cách dùng: <code>/donvi_them Tên đơn vị</code>"
INVITE_USAGE = (
    "Cách dùng: <code>/moi Tên hoặc số của đơn vị</code>\n"
    "Giới hạn số người dùng mã: <code>/moi Chi bộ Khu phố 1 | 5</code> (5 lượt)\n"
    "Mời vào Ban của đơn vị (quản lý đơn vị và các đơn vị trực thuộc): "
    "<code>/moi Đảng ủy xã An Bình --admin</code>"
)
INVITE_USES_BAD = "Số lượt dùng mã mời phải là số nguyên từ 1 đến 100000, ví dụ: <code>/moi Chi bộ Khu phố 1 | 5</code>"
INVITE_CREATED = (
    "Mã mời cho <b>{unit}</b>: <code>{code}</code>\n"
    "Đường link: {link}\n"
    "Hết hạn: {expires}\n"
    "Số lượt dùng: {uses}"
)
INVITE_NO_EXPIRY = "không hết hạn"
INVITE_UNLIMITED = "không giới hạn"
INVITE_USES_LEFT = "còn {left}/{max} lượt"
INVITES_HEADER = "<b>Mã mời còn dùng được</b> ({count}):"
INVITES_EMPTY = "Không có mã mời nào còn dùng được. Tạo mã mới: <code>/moi Tên đơn vị</code>"
INVITE_LINE = (
    "• <b>{unit}</b>{reporter}: <code>{code}</code>\n"
    "  {uses} · đã dùng {used} · hết hạn: {expires}"
)
INVITE_REPORTER = " (người báo cáo)"
MEMBERS_HEADER = "<b>Thành viên</b> ({count}):"
MEMBER_LINE = "{id}. {name}{username} – {unit}{flags}"
MEMBERS_EMPTY = "Chưa có thành viên nào."
MEMBER_USAGE = (
    "Cách dùng:\n"
    "<code>/thanhvien</code> – danh sách\n"
    "<code>/thanhvien_chuyen &lt;số&gt; &lt;đơn vị&gt;</code> – chuyển đơn vị\n"
    "<code>/thanhvien_ngung &lt;số&gt;</code> – tạm ngừng\n"
    "<code>/thanhvien_baocao &lt;số&gt;</code> – giao làm người báo cáo của đơn vị\n"
    "<code>/thanhvien_admin &lt;số&gt;</code> – cấp quyền quản trị\n"
    "<code>/thanhvien_bo_admin &lt;số&gt;</code> – gỡ quyền quản trị (vẫn là thành viên)"
)
MEMBER_NOT_FOUND = "Không tìm thấy thành viên số {id}."
MEMBER_MOVED = "✅ Đã chuyển {name} sang <b>{unit}</b>."
MEMBER_DEACTIVATED = "✅ Đã tạm ngừng {name}."
MEMBER_REPORTER = "✅ {name} là người báo cáo của <b>{unit}</b>."
MEMBER_ADMIN = "✅ {name} đã được cấp quyền quản trị."
NO_UNIT = "(chưa có đơn vị)"
FLAG_ADMIN = " · quản trị"
FLAG_REPORTER = " · báo cáo"
FLAG_INACTIVE = " · đã ngừng"
FLAG_UNREACHABLE = " · không liên lạc được"
