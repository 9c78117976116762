from PySide6.QtWidgets import QDialog, QMainWindow


def test_b(qtbot):
    win = QMainWindow()
    qtbot.addWidget(win)
    win.show()
    dlg = QDialog(win)
    dlg.show()
    qtbot.wait(100)
    dlg.close()
    dlg.deleteLater()
