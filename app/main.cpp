// Placeholder entry point until the app skeleton lands.
#include <QGuiApplication>
int main(int argc, char** argv) { QGuiApplication app(argc, argv); return 0; }
