package web

// whatIfMessages is the text of the what-if view, the gallery of mistakes,
// the shareable link and the compact answer bar, in one language (kept
// apart from messages so that each table stays short).
// Templates take their values with fmt verbs in the order the comment gives.
type whatIfMessages struct {
	eraseRow, restoreRow string // row number
	rowsHint, restoreAll string
	pin, unpin           string
	compareTitle         string
	compareHint          string
	now, pinned          string
	galleryTitle         string
	galleryHint          string
	galleryCount         string // mistakes, test images, milliseconds
	galleryBusy          string // test images
	galleryWaits         string
	galleryItem          string // true label, read as, probability %
	galleryFailed        string // error
	share                string
	linkBad              string // the error
	answer               string // digit, probability %
}

// whatIf is the what-if table in the language of m.
func (m *messages) whatIf() *whatIfMessages { return inLanguage(m, englishWhatIf, chineseWhatIf) }

var (
	englishWhatIf = &whatIfMessages{
		eraseRow: "Erase row %d", restoreRow: "Restore row %d",
		rowsHint:   "What if? Each button beside the image erases that row from what the model reads, or restores it: the answer and the inside views follow at once.",
		restoreAll: "Restore all rows",
		pin:        "Pin this drawing", unpin: "Unpin",
		compareTitle: "Compare two drawings",
		compareHint:  "Pin a drawing, then draw another (or erase rows): both layers' hidden states, step by step, side by side.",
		now:          "Now", pinned: "Pinned",
		galleryTitle:  "Where it goes wrong",
		galleryHint:   "The shipped test images that the model in use reads wrong, the surest mistakes first. Click one to load it into the drawing view and look inside.",
		galleryCount:  "%d of %d test images read wrong (checked in %.0f ms, in steps that leave the page free)",
		galleryBusy:   "Checking the %d test images…",
		galleryWaits:  "The mistakes are found again when the training run ends.",
		galleryItem:   "is %d, read as %d (%.0f%%)",
		galleryFailed: "The test images could not be checked: %v",
		share:         "Link to these settings and this view",
		linkBad:       "The link was not used (%v): the page opened with the defaults.",
		answer:        "Reads as %d · %.0f%%",
	}
	chineseWhatIf = &whatIfMessages{
		eraseRow: "擦除第 %d 行", restoreRow: "恢复第 %d 行",
		rowsHint:   "假如呢？图像旁的每个按钮会从模型读入的内容中擦除该行，或将其恢复：答案和内部视图随即更新。",
		restoreAll: "恢复所有行",
		pin:        "固定这幅图", unpin: "取消固定",
		compareTitle: "比较两幅图",
		compareHint:  "固定一幅图，再写另一幅（或擦除几行）：两层的隐藏状态逐步并排显示。",
		now:          "当前", pinned: "已固定",
		galleryTitle:  "模型在哪里出错",
		galleryHint:   "当前模型读错的内置测试图像，最有把握的错误排在前面。点击一张即可载入书写区，查看模型内部。",
		galleryCount:  "%[2]d 张测试图像中读错 %[1]d 张（用时 %.0[3]f 毫秒，分步计算，不阻塞页面）",
		galleryBusy:   "正在检查 %d 张测试图像…",
		galleryWaits:  "训练结束后将重新查找错误。",
		galleryItem:   "实为 %d，读作 %d（%.0f%%）",
		galleryFailed: "无法检查测试图像：%v",
		share:         "指向这些设置和此视图的链接",
		linkBad:       "未使用该链接（%v）：页面以默认设置打开。",
		answer:        "读作 %d · %.0f%%",
	}
)
