import BridgeCore
print("bench")
