"""Vietnamese strings of the Zalo channel: typed choices instead of buttons (plain text)."""

WELCOME_UNREGISTERED = (
    "Xin chào! Đây là Loa – trợ lý dành cho đội ngũ báo cáo viên, tuyên truyền viên.\n\n"
    "Để sử dụng, bạn cần mã mời của đơn vị. Hãy gõ mã mời mà Ban đã gửi cho bạn, "
    "ví dụ: /start AbC123xyz"
)
NOT_REGISTERED = ("Bạn chưa đăng ký sử dụng. Hãy gõ mã mời mà Ban gửi cho bạn, "
                  "ví dụ: /start AbC123xyz")
INVITE_INVALID = ("Mã mời không hợp lệ, đã hết hạn hoặc đã bị thu hồi. "
                  "Vui lòng xin mã mới từ Ban và gõ lại: /start <mã mời>")
JOINED = "✅ Bạn đã tham gia đơn vị {unit}.\n\n{help}"
JOINED_BOARD = "✅ Bạn đã vào {board} ({unit}).\n\n{help}"

HELP_MEMBER = (
    "Hướng dẫn sử dụng Loa trên Zalo\n\n"
    "❓ Hỏi đáp: gõ câu hỏi, có dấu hoặc không dấu đều được.\n"
    "   Ví dụ: nhiem vu cua bao cao vien la gi\n"
    "📌 /diemchinh – điểm chính của các văn bản\n"
    "📝 /baocao – gửi báo cáo hoạt động của đơn vị (Loa hỏi từng bước)\n"
    "   Nhanh: /baocao hôm nay | Hội nghị | Quán triệt Chỉ thị 30 | 45\n"
    "🗂 /baocao_cua_toi – các báo cáo gần đây của đơn vị\n"
    "📢 /phananh – gửi phản ánh (dư luận, tin sai trái, mô hình hay, kiến nghị)\n"
    "   Nhanh: /phananh dư luận | Bà con thôn 3 lo giá điện tăng · /phananh_cuatoi – đã gửi\n"
    "📝 /tracnghiem – làm bài trắc nghiệm (gõ số của phương án để trả lời)\n"
    "✅ Gõ “đã nắm” để xác nhận đã nhận nội dung Ban gửi\n"
    "✖️ /huy – dừng việc đang làm dở\n"
    "ℹ️ /huongdan – xem lại hướng dẫn này"
)
HELP_ADMIN_EXTRA = (
    "\n\nDành cho Ban\n"
    "/traloi <số> <nội dung> – trả lời câu hỏi số đó\n"
    "/phananh_ds – phản ánh của cơ sở · /phananh_traloi <số> <nội dung> – trả lời phản ánh\n"
    "/bangdieukhien – link đăng nhập bảng điều khiển trên máy tính\n"
    "Các việc khác của Ban làm trên bảng điều khiển (trang web) hoặc Telegram."
)

# Answers: typed choices instead of buttons
CHOICES_ANSWER = "Gõ 1 để xem toàn văn mục."
CHOICES_ANSWER_MORE = "Gõ 1 để xem toàn văn mục, 2 để xem thêm đoạn khác."
CHOICES_RELATED = "Gõ 1 để xem toàn văn mục, 3 để gửi câu hỏi cho Ban."
CHOICES_MORE = "Gõ 1 để xem toàn văn mục này, 2 để xem thêm đoạn khác."
CHOICES_MORE_LAST = "Gõ 1 để xem toàn văn mục này."
KP_PICK = "Gõ số của văn bản để xem điểm chính."
NO_MORE = "Không còn đoạn nào khác trả lời câu hỏi này."

# Broadcasts
BROADCAST_FOOTER = "\n\n👉 Gõ “đã nắm” để báo Ban là bạn đã nhận."
BROADCAST_MEDIA = ("\n\n(Bản tin có kèm ảnh hoặc tệp; Zalo chưa cho Loa gửi tệp. "
                   "Xin xem tại buổi sinh hoạt hoặc hỏi Ban.)")
BROADCAST_FILE_LINK = "\n\n📎 Tệp kèm theo: {url}"
BROADCAST_NO_TEXT = "Ban vừa gửi một nội dung dạng ảnh hoặc tệp mà Zalo chưa hiển thị được."
ACKED = "✅ Đã ghi nhận bạn đã nắm nội dung Ban gửi lúc {when}:\n«{text}»"
ACKED_ALREADY = "Bạn đã xác nhận tất cả nội dung Ban gửi. Cảm ơn bạn!"
NOTHING_TO_ACK = "Chưa có nội dung nào của Ban cần xác nhận."

# Reports: numbered steps, confirmation typed
CONFIRM_CHOICES = "Gõ 1 để LƯU báo cáo, 2 để HỦY."
CONFIRM_FORCE_CHOICES = "Gõ 1 để vẫn LƯU báo cáo, 2 để HỦY."
ASK_DATE = "📝 Báo cáo hoạt động – bước 1/5\nNgày tổ chức? Gõ 1 nếu là hôm nay ({today}), hoặc gõ ngày, ví dụ 05/12."
ASK_FORM = "Bước 2/5 – Hình thức? Gõ số:\n{forms}"
ASK_CONTENT = "Bước 3/5 – Nội dung hoạt động (một vài câu)?"
ASK_PARTICIPANTS = "Bước 4/5 – Số người tham dự? (gõ một số, ví dụ 45)"
ASK_NOTE = "Bước 5/5 – Ghi chú thêm? Gõ 0 nếu không có. Có thể gửi kèm ảnh hoạt động."
PHOTO_KEPT = "📷 Đã nhận ảnh ({count}). Gõ ghi chú, hoặc 0 để xem lại báo cáo."
PHOTO_FULL = "Đã đủ số ảnh tối đa cho một báo cáo."
FORM_BAD = "Vui lòng gõ một số từ 1 đến {n}."
CANCELLED = "Đã hủy việc đang làm dở."
PHOTO_NOT_NOW = ("Loa đã nhận ảnh, nhưng ảnh chỉ được lưu kèm báo cáo. "
                 "Gõ /baocao để bắt đầu báo cáo rồi gửi ảnh ở bước ghi chú.")
UNSUPPORTED = "Loa chỉ đọc được tin nhắn chữ (và ảnh kèm báo cáo). Hãy gõ câu hỏi hoặc /huongdan."

# Board
NOTICE_REPLY_HINT = "\n\nTrả lời bằng cách gõ: /traloi {id} <nội dung>"
ANSWER_USAGE = "Cách dùng: /traloi <số câu hỏi> <nội dung trả lời>"
DESK_ONLY = "Việc này của Ban làm trên bảng điều khiển (trang web) hoặc Telegram: gõ /bangdieukhien để lấy link."

# Linking one person's Telegram and Zalo
LINK_CODE = ("Mã liên kết Zalo của bạn: {code} (dùng một lần, trong 15 phút).\n"
             "Mở Zalo, nhắn cho bot Loa: /lienket {code}")
CMD_LINK = ("lienket", "Liên kết với Zalo")
HELP_LINK = "\n🔗 /lienket – nhận mã để dùng Loa cả trên Zalo (cùng một tài khoản)"
LINK_NO_ZALO = "Loa của đơn vị chưa bật kênh Zalo."
LINK_DONE = "✅ Đã liên kết Zalo với tài khoản của {name}. Từ nay Loa gửi tin cho bạn qua Zalo."
LINK_INVALID = "Mã liên kết không đúng hoặc đã hết hạn. Gõ /lienket trong Telegram để lấy mã mới."
LINK_NOT_MEMBER = "Chỉ thành viên đang hoạt động mới liên kết được tài khoản."
LINK_ALREADY_MEMBER = "Tài khoản Zalo này đã là một thành viên riêng; xin Ban gộp giúp."
LINK_USAGE = "Cách dùng: /lienket <mã> (lấy mã bằng lệnh /lienket trong Telegram)."
FLAG_ZALO = " · Zalo"
INVITE_ZALO = "Trên Zalo: nhắn cho bot Loa dòng  /start {code}"

# Phản ánh on Zalo: the same line as on Telegram.
REFLECT_HOW = (
    "📢 Gửi phản ánh cho {board}\n"
    "Gõ một dòng: /phananh loại | nội dung\n"
    "Loại: 1 dư luận (bà con nói gì, lo gì) · 2 tin sai trái (dán đường link) · 3 mô hình hay · "
    "4 kiến nghị. Việc gấp thêm | khẩn ở cuối.\n"
    "Ví dụ: /phananh dư luận | Bà con thôn 3 lo giá điện tăng\n"
    "Xem phản ánh đã gửi: /phananh_cuatoi"
)
